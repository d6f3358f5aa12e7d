/**
 * Messages for phones (news, notices, results).
 *
 * @module
 */

export interface InboxMessagesTable {
  id: string;
  /** `news`, `notice` or `result`; no kind can make a phone do anything but show it. */
  kind: string;
  title_vi: string;
  body_vi: string;
  title_en: string;
  body_en: string;
  url: string | null;
  /** `null` for everyone, or a province code. */
  province_code: string | null;
  created_at: number;
  expires_at: number | null;
}

export interface InboxTables {
  inbox_messages: InboxMessagesTable;
}
