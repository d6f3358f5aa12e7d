/**
 * The statistics fixture: a denominators file and an installs file small enough to count by hand.
 * The expected figures are worked out in the comments; `stats.test.ts` (server) and
 * `stats.test.ts` (CLI) check the code against them.
 *
 * As of 2020-09-13 08:00 Vietnam time (2020-09-13T01:00Z), active window 7 days = the whole days
 * 6/9 … 12/9 (the partial day 13/9 before 08:00 is not in it):
 *
 * | province | installs | phone-registered | active | smartphones | rate | rank |
 * |---|---|---|---|---|---|---|
 * | 48 Đà Nẵng | 40 | 36 (25 Viettel, 11 unknown prefix) | 40 (check-in 10/9) | 133 (effective 13/9; 100 before, 200 from 14/9) | 36/133 = 0.270677 → "27,07 %" | 1 |
 * | 79 TP.HCM | 10 | 10 VinaPhone | 7 (six on 12/9, one 6/9 00:00; not 5/9 23:59, 13/9 07:00, never) | 40 | 10/40 = 0.25 | 2 |
 * | 31 Hải Phòng | 5 | 5 VinaPhone | 5 (7/9) | 20 | 5/20 = 0.25 | 2 (tie) |
 * | 01 Hà Nội | 20 | 20 MobiFone | 0 | 270.626 | 20/270626 = 0.0000739 | 4 (competition ranking 1, 2, 2, 4) |
 * | 22 Quảng Ninh | 3 of the 4 cut-off rows | 0 | 0 | none | null | null |
 *
 * The cut-off rows of 22: created 13/9 08:00:00.000 (counts: at the instant), 13/9
 * 08:00:00.001 (does not), 13/9 00:00 (counts), 12/9 07:30 with its number verified 13/9
 * 08:00:00.001 (the install counts, the number does not).
 *
 * Total: installs 40 + 10 + 5 + 20 + 3 = 78; phone 36 + 10 + 5 + 20 = 71; active 40 + 7 + 5 = 52;
 * smartphones 133 + 40 + 20 + 270 626 = 270 819; rate 71 / 270 819.
 * Carriers: Viettel 25 ÷ 100 = 0.25; VinaPhone 15 ÷ (30 + 10) = 0.375; MobiFone 20 ÷ none = null;
 * Khác ("other") 11 ÷ none = null.
 */

/** The as-of instant of the table above. */
export const AS_OF = '2020-09-13T08:00+07:00';
export const AS_OF_MS = Date.UTC(2020, 8, 13, 1, 0, 0);

/** The denominators file. */
export const DENOMINATORS_CSV = [
  'effective_date,province_code,district_code,carrier,smartphones',
  '2020-09-01,48,,,100',
  '2020-09-13,48,,,133',
  '2020-09-14,48,,,200',
  '2020-09-01,48,,viettel,100',
  '2020-09-01,79,,,40',
  '2020-09-01,79,,vinaphone,30',
  '2020-09-01,79,760,,25',
  '2020-09-01,31,,,20',
  '2020-09-01,31,,vinaphone,10',
  '2020-09-01,01,,,270626',
  '',
].join('\n');

const CREATED = '2020-09-01T10:00:00+07:00';
const VERIFIED = '2020-09-01T10:05:00+07:00';

function row(
  id: string,
  province: string,
  district: string,
  options: { created?: string; verified?: string; carrier?: string; active?: string; platform?: string } = {},
): string {
  return [
    id,
    options.created ?? CREATED,
    options.platform ?? 'android',
    province,
    district,
    options.verified ?? '',
    options.carrier ?? '',
    options.active ?? '',
  ].join(',');
}

/** The installs file. */
export function installsCsv(): string {
  const lines = [
    'install_id,created_at,platform,province_code,district_code,phone_verified_at,carrier,last_active_at',
  ];
  for (let i = 1; i <= 40; i++) {
    const phone =
      i <= 25 ? { verified: VERIFIED, carrier: 'viettel' } : i <= 36 ? { verified: VERIFIED } : {};
    lines.push(
      row(`dn-${i}`, '48', i % 2 === 0 ? '490' : '491', {
        ...phone,
        active: '2020-09-10T09:00:00+07:00',
        platform: i % 4 === 0 ? 'ios' : 'android',
      }),
    );
  }
  const hcmActive = [
    ...Array<string>(6).fill('2020-09-12T20:00:00+07:00'),
    '2020-09-06T00:00:00+07:00',
    '2020-09-05T23:59:59+07:00',
    '2020-09-13T07:00:00+07:00',
    '',
  ];
  hcmActive.forEach((active, i) => {
    lines.push(row(`hcm-${i + 1}`, '79', '760', { verified: VERIFIED, carrier: 'vinaphone', active }));
  });
  for (let i = 1; i <= 5; i++)
    lines.push(
      row(`hp-${i}`, '31', '', {
        verified: VERIFIED,
        carrier: 'vinaphone',
        active: '2020-09-07T12:00:00+07:00',
      }),
    );
  for (let i = 1; i <= 20; i++)
    lines.push(row(`hn-${i}`, '01', '001', { verified: VERIFIED, carrier: 'mobifone' }));
  lines.push(row('qn-at', '22', '193', { created: '2020-09-13T08:00:00+07:00' }));
  lines.push(row('qn-after', '22', '193', { created: '2020-09-13T08:00:00.001+07:00' }));
  lines.push(row('qn-midnight', '22', '', { created: '2020-09-13T00:00:00+07:00' }));
  lines.push(
    row('qn-late-phone', '22', '', {
      created: '2020-09-12T07:30:00+07:00',
      verified: '2020-09-13T08:00:00.001+07:00',
      carrier: 'viettel',
    }),
  );
  return `${lines.join('\n')}\n`;
}

/** Rows of the installs file (78 + 1 counted … 79 rows in all). */
export const FIXTURE_INSTALL_ROWS = 79;
