/**
 * Storage reads of the inbox (messages published to phones) for the admin API: the messages a
 * caller may see, newest first, in keyset pages. A province caller sees the messages to their
 * province and those to everyone (which its phones receive too).
 *
 * @module
 */
import type { Kysely } from 'kysely';
import type { AdminScope } from '../../auth.js';
import type { Database } from '../../storage/database.js';
import type { InboxMessagesTable } from '../../storage/inbox.table.js';

/** Position in the inbox list (newest first): the last message of the previous page. */
export interface InboxListPosition {
  readonly createdAt: number;
  readonly id: string;
}

/**
 * The messages in `scope` (national: all; a province: its own and those to everyone), only those
 * to `provinceCode` when given, newest first (ties by ID, descending), after `after`, at most
 * `limit`. A province outside the scope matches nothing.
 */
export async function listInboxMessages(
  db: Kysely<Database>,
  scope: AdminScope,
  options: {
    readonly provinceCode?: string | undefined;
    readonly limit: number;
    readonly after?: InboxListPosition | undefined;
  },
): Promise<InboxMessagesTable[]> {
  let query = db.selectFrom('inbox_messages').selectAll();
  const own = scope.provinceCode;
  if (own !== undefined)
    query = query.where((eb) => eb.or([eb('province_code', 'is', null), eb('province_code', '=', own)]));
  if (options.provinceCode !== undefined) query = query.where('province_code', '=', options.provinceCode);
  const after = options.after;
  if (after !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '<', after.createdAt),
        eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)]),
      ]),
    );
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
}
