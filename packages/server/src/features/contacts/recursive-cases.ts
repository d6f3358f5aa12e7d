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
import { checkCaseDates, type IssuedCodes, issueCodes, withCodeRetry } from '../cases/cases.service.js';
import { type AdminScope, claimContactForRecursiveCase, findContact } from './contacts.repository.js';

/** The test type of a recursive case (the certificate's report type `recursive`). */
export const RECURSIVE_TEST_TYPE = 'recursive';

/** What the authority may set for a recursive case; everything else comes from the contact's case. */
export interface NewRecursiveCase {
  /** Default: the parent case's province (the contact may live elsewhere). */
  readonly provinceCode?: string | undefined;
  readonly districtCode?: string | null | undefined;
  /** Default: none. */
  readonly symptomDate?: string | null | undefined;
  /** Default: today in Vietnam (the day the authority made the case). */
  readonly testDate?: string | undefined;
}

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

  const parent = await ctx.storage.db
    .selectFrom('cases')
    .select(['id', 'province_code', 'district_code'])
    .where('id', '=', contact.case_id)
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
      await trx
        .insertInto('cases')
        .values({
          id: caseId,
          province_code: provinceCode,
          district_code: districtCode,
          admin_units_as_of: ctx.adminUnits.asOf,
          test_type: RECURSIVE_TEST_TYPE,
          symptom_date: symptomDate,
          test_date: testDate,
          health_authority: ctx.config.healthAuthorityId,
          created_at: now,
          created_by: actor,
          codes_issued_at: now,
          short_code_expires_at: now,
          long_code_expires_at: now,
          codes_claimed_at: null,
          token_exchanged_at: null,
          certificate_issued_at: null,
          keys_published: 0,
          closed_at: null,
          parent_case_id: contact.case_id,
          source_contact_id: contactId,
        })
        .execute();
      const issued = await issueCodes(ctx, trx, caseId, now, undefined);
      const audit = (action: string, subject: string, details: Record<string, unknown>) =>
        insertAuditEntry(trx, { id: newId('aud_'), at: now, actor, action, subject, details });
      await audit('case.create', `case:${caseId}`, {
        provinceCode,
        districtCode,
        testType: RECURSIVE_TEST_TYPE,
        parentCaseId: contact.case_id,
      });
      await audit('case.codes.issue', `case:${caseId}`, {
        reissue: false,
        expiresAt: issued.expiresAt,
        longExpiresAt: issued.longExpiresAt,
      });
      await audit('contact.recursive_case', `contact:${contactId}`, {
        caseId,
        parentCaseId: contact.case_id,
      });
      return { ...issued, parentCaseId: contact.case_id, contactId };
    }),
  );
}
