/**
 * Recursive cases (design brief §4): the health authority turns an F1 contact into a case of test
 * type `recursive`, linked to the case on whose list the contact is (`parent_case_id`) and to the
 * contact (`source_contact_id`, unique), and gets its verification codes — issued by the cases
 * feature (`issueCodes`), so they work exactly like a confirmed case's. The phone exchanges the
 * code at `/api/verify` (`testtype: "recursive"`; its `accept` must list `recursive`), the
 * certificate says report type `recursive`, and the keys it publishes are RECURSIVE: whoever
 * matches them is F2, on the recursive case's list.
 *
 * @module
 */
import { type AuditActor, actorOf } from '../../auth.js';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors.js';
import { newId } from '../../ids.js';
import { vietnamDay } from '../../time.js';
import { insertAuditEntry } from '../cases/cases.repository.js';
import {
  checkCaseDates,
  type IssuedCodes,
  insertCaseWithCodes,
  withCodeRetry,
} from '../cases/cases.service.js';
import { type AdminScope, claimContactForRecursiveCase, findContact } from './contacts.repository.js';

/** The test type of a recursive case (the certificate's report type `recursive`). */
export const RECURSIVE_TEST_TYPE = 'recursive';

/** What the authority may set for a recursive case; everything else comes from the contact's case. */
export type NewRecursiveCase = CaseFieldsInput;

/** The codes of a new recursive case, with its links. */
export interface IssuedRecursiveCase extends IssuedCodes {
  readonly parentCaseId: string;
  readonly contactId: string;
}

/**
 * Makes contact `contactId` a recursive case and issues its codes, in one transaction with the
 * audit entries `case.create`, `case.codes.issue` and `contact.recursive_case`. Throws
 * `not_found`, `invalid_request` (fields), `recursive_case_exists`, `contact_not_eligible`.
 */
export async function createRecursiveCase(
  ctx: AppContext,
  principal: AuditActor,
  contactId: string,
  input: NewRecursiveCase,
  scope: AdminScope = {},
): Promise<IssuedRecursiveCase> {
  const now = ctx.now();
  const contact = await findContact(ctx.storage.db, contactId, scope);
  if (!contact) {
    throw new ApiError(
      'not_found',
      `no contact ${JSON.stringify(contactId)}; take the contact’s id from GET /admin/v1/cases/{id}/contacts`,
    );
  }
  const refuse = () => {
    if (contact.recursive_case_id !== null) {
      return new ApiError(
        'recursive_case_exists',
        `contact ${contactId} is already recursive case ${contact.recursive_case_id}; issue new codes for it with POST /admin/v1/cases/${contact.recursive_case_id}/codes`,
      );
    }
    if (contact.level !== 'F1') {
      return new ApiError(
        'contact_not_eligible',
        `contact ${contactId} is ${contact.level}; only F1 contacts become recursive cases (their keys find F2 contacts)`,
      );
    }
    if (contact.purged_at !== null) {
      return new ApiError(
        'contact_not_eligible',
        `the personal data of contact ${contactId} was deleted after its case closed; enter the person as a new case instead`,
      );
    }
    return undefined;
  };
  const refusal = refuse();
  if (refusal) throw refusal;

  const { provinceCode, districtCode, testDate, symptomDate } = await caseFieldsFromParent(
    ctx,
    contact.case_id,
    input,
    now,
  );

  const caseId = newId('case_');
  const actor = actorOf(principal);
  return withCodeRetry(() =>
    ctx.storage.transaction(async (trx) => {
      if (!(await claimContactForRecursiveCase(trx, contactId))) {
        // Changed since it was read: a concurrent request made the case, or retention ran.
        const again = await findContact(trx, contactId, scope);
        const reason = again?.recursive_case_id
          ? `contact ${contactId} became recursive case ${again.recursive_case_id} a moment ago; issue new codes for it with POST /admin/v1/cases/${again.recursive_case_id}/codes`
          : undefined;
        if (reason) throw new ApiError('recursive_case_exists', reason);
        throw new ApiError(
          'contact_not_eligible',
          `contact ${contactId} can no longer become a recursive case (it changed a moment ago); reload the contact list`,
        );
      }
      const issued = await insertCaseWithCodes(ctx, trx, caseId, {
        record: {
          provinceCode,
          districtCode,
          testType: RECURSIVE_TEST_TYPE,
          symptomDate,
          testDate,
          parentCaseId: contact.case_id,
          sourceContactId: contactId,
        },
        actor,
        now,
        auditDetails: { parentCaseId: contact.case_id },
      });
      const audit = (action: string, subject: string, details: Record<string, unknown>) =>
        insertAuditEntry(trx, { id: newId('aud_'), at: now, actor, action, subject, details });
      await audit('contact.recursive_case', `contact:${contactId}`, {
        caseId,
        parentCaseId: contact.case_id,
      });
      return { ...issued, parentCaseId: contact.case_id, contactId };
    }),
  );
}

/** Where and when a case made from a contact is: what the authority set, else its parent case's. */
export interface CaseFieldsInput {
  /** Default: the parent case's province and district (the contact may live elsewhere). */
  readonly provinceCode?: string | undefined;
  readonly districtCode?: string | null | undefined;
  /** Default: none. */
  readonly symptomDate?: string | null | undefined;
  /** Default: today in Vietnam (the day the authority made the case). */
  readonly testDate?: string | undefined;
}

/**
 * The fields of a case made from a contact of case `parentCaseId`: `input` where given, else the
 * parent's province and district and today's date; validated (`invalid_request` otherwise).
 */
export async function caseFieldsFromParent(
  ctx: AppContext,
  parentCaseId: string,
  input: CaseFieldsInput,
  now: number,
): Promise<{
  provinceCode: string;
  districtCode: string | null;
  testDate: string;
  symptomDate: string | null;
}> {
  const parent = await ctx.storage.db
    .selectFrom('cases')
    .select(['province_code', 'district_code'])
    .where('id', '=', parentCaseId)
    .executeTakeFirstOrThrow();
  const provinceCode = input.provinceCode ?? parent.province_code;
  const districtCode =
    input.provinceCode === undefined && input.districtCode === undefined
      ? parent.district_code
      : (input.districtCode ?? null);
  const testDate = input.testDate ?? vietnamDay(now);
  const symptomDate = input.symptomDate ?? null;
  const problem =
    ctx.adminUnits.check(provinceCode, districtCode) ?? checkCaseDates({ symptomDate, testDate }, now);
  if (problem) throw new ApiError('invalid_request', problem);
  return { provinceCode, districtCode, testDate, symptomDate };
}
