/**
 * A hand-made 63-province fixture: synthetic figures with a few rows set by hand (Thái Nguyên as in
 * the seed: 270.626 installs, 27,07 %; Đà Nẵng above the 50 % target; a tie between Hà Giang and
 * Cao Bằng), ranks with ties computed here by competition ranking.
 */
import type {
  AreaStat,
  CarrierStat,
  Issuer,
  NationalTable,
  ProvinceDistricts,
  QuickReportInput,
  TracingYieldRow,
} from '../src/figures.js';

export const PROVINCES: readonly (readonly [string, string])[] = [
  ['01', 'Hà Nội'],
  ['02', 'Hà Giang'],
  ['04', 'Cao Bằng'],
  ['06', 'Bắc Kạn'],
  ['08', 'Tuyên Quang'],
  ['10', 'Lào Cai'],
  ['11', 'Điện Biên'],
  ['12', 'Lai Châu'],
  ['14', 'Sơn La'],
  ['15', 'Yên Bái'],
  ['17', 'Hoà Bình'],
  ['19', 'Thái Nguyên'],
  ['20', 'Lạng Sơn'],
  ['22', 'Quảng Ninh'],
  ['24', 'Bắc Giang'],
  ['25', 'Phú Thọ'],
  ['26', 'Vĩnh Phúc'],
  ['27', 'Bắc Ninh'],
  ['30', 'Hải Dương'],
  ['31', 'Hải Phòng'],
  ['33', 'Hưng Yên'],
  ['34', 'Thái Bình'],
  ['35', 'Hà Nam'],
  ['36', 'Nam Định'],
  ['37', 'Ninh Bình'],
  ['38', 'Thanh Hóa'],
  ['40', 'Nghệ An'],
  ['42', 'Hà Tĩnh'],
  ['44', 'Quảng Bình'],
  ['45', 'Quảng Trị'],
  ['46', 'Thừa Thiên Huế'],
  ['48', 'Đà Nẵng'],
  ['49', 'Quảng Nam'],
  ['51', 'Quảng Ngãi'],
  ['52', 'Bình Định'],
  ['54', 'Phú Yên'],
  ['56', 'Khánh Hòa'],
  ['58', 'Ninh Thuận'],
  ['60', 'Bình Thuận'],
  ['62', 'Kon Tum'],
  ['64', 'Gia Lai'],
  ['66', 'Đắk Lắk'],
  ['67', 'Đắk Nông'],
  ['68', 'Lâm Đồng'],
  ['70', 'Bình Phước'],
  ['72', 'Tây Ninh'],
  ['74', 'Bình Dương'],
  ['75', 'Đồng Nai'],
  ['77', 'Bà Rịa - Vũng Tàu'],
  ['79', 'Hồ Chí Minh'],
  ['80', 'Long An'],
  ['82', 'Tiền Giang'],
  ['83', 'Bến Tre'],
  ['84', 'Trà Vinh'],
  ['86', 'Vĩnh Long'],
  ['87', 'Đồng Tháp'],
  ['89', 'An Giang'],
  ['91', 'Kiên Giang'],
  ['92', 'Cần Thơ'],
  ['93', 'Hậu Giang'],
  ['94', 'Sóc Trăng'],
  ['95', 'Bạc Liêu'],
  ['96', 'Cà Mau'],
];

type Counts = Omit<AreaStat, 'rate' | 'rank'>;

/** Competition ranking by rate: ties share a rank (1, 2, 2, 4). */
export function rankRows(rows: readonly Counts[]): AreaStat[] {
  const withRate = rows.map((r) => ({ ...r, rate: r.phoneRegistered / r.smartphones }));
  return withRate.map((r) => ({ ...r, rank: 1 + withRate.filter((o) => o.rate > r.rate).length }));
}

const SET_BY_HAND: Record<string, Omit<Counts, 'code' | 'name'>> = {
  '19': { installs: 270_626, phoneRegistered: 250_400, active: 180_000, smartphones: 925_000 },
  '48': { installs: 600_000, phoneRegistered: 523_000, active: 400_000, smartphones: 1_000_000 },
  '02': { installs: 90_000, phoneRegistered: 80_000, active: 50_000, smartphones: 400_000 },
  '04': { installs: 91_000, phoneRegistered: 80_000, active: 51_000, smartphones: 400_000 },
};

export function provinceCounts(): Counts[] {
  return PROVINCES.map(([code, name], i) => {
    const hand = SET_BY_HAND[code];
    if (hand) return { code, name, ...hand };
    const smartphones = 200_000 + ((i * 7919) % 61) * 37_000;
    const rate = 0.13 + ((i * 37) % 29) / 100;
    const phoneRegistered = Math.round(smartphones * rate) + i;
    const installs = Math.round(phoneRegistered * 1.18);
    return { code, name, installs, phoneRegistered, active: Math.round(installs * 0.62), smartphones };
  });
}

export const CARRIERS: readonly CarrierStat[] = [
  { carrier: 'vinaphone', phoneRegistered: 2_211_000, smartphones: 10_000_000, rate: 0.2211 },
  { carrier: 'viettel', phoneRegistered: 5_346_000, smartphones: 20_000_000, rate: 0.2673 },
  { carrier: 'mobifone', phoneRegistered: 2_459_000, smartphones: 10_000_000, rate: 0.2459 },
  { carrier: 'vietnamobile', phoneRegistered: 185_000, smartphones: 2_000_000, rate: 0.0925 },
];

export function nationalTable(): NationalTable {
  const provinces = rankRows(provinceCounts());
  const sum = (k: 'installs' | 'phoneRegistered' | 'active' | 'smartphones') =>
    provinces.reduce((n, p) => n + p[k], 0);
  const total = {
    name: 'Toàn quốc',
    installs: sum('installs'),
    phoneRegistered: sum('phoneRegistered'),
    active: sum('active'),
    smartphones: sum('smartphones'),
    rate: sum('phoneRegistered') / sum('smartphones'),
  };
  return { asOf: '2020-09-13T01:00:00Z', provinces, total, carriers: CARRIERS };
}

export const THAI_NGUYEN_DISTRICTS: readonly Counts[] = [
  {
    code: '164',
    name: 'Thành phố Thái Nguyên',
    installs: 95_000,
    phoneRegistered: 85_800,
    active: 60_000,
    smartphones: 250_000,
  },
  {
    code: '172',
    name: 'Thị xã Phổ Yên',
    installs: 40_000,
    phoneRegistered: 36_420,
    active: 25_000,
    smartphones: 120_000,
  },
  {
    code: '165',
    name: 'Thành phố Sông Công',
    installs: 19_000,
    phoneRegistered: 16_632,
    active: 11_000,
    smartphones: 55_000,
  },
  {
    code: '167',
    name: 'Huyện Định Hóa',
    installs: 14_000,
    phoneRegistered: 12_000,
    active: 8_000,
    smartphones: 60_000,
  },
  {
    code: '168',
    name: 'Huyện Phú Lương',
    installs: 17_000,
    phoneRegistered: 15_000,
    active: 9_000,
    smartphones: 70_000,
  },
  {
    code: '169',
    name: 'Huyện Đồng Hỷ',
    installs: 18_000,
    phoneRegistered: 16_000,
    active: 10_000,
    smartphones: 75_000,
  },
  {
    code: '170',
    name: 'Huyện Võ Nhai',
    installs: 9_000,
    phoneRegistered: 8_000,
    active: 5_000,
    smartphones: 45_000,
  },
  {
    code: '171',
    name: 'Huyện Đại Từ',
    installs: 31_000,
    phoneRegistered: 28_000,
    active: 18_000,
    smartphones: 130_000,
  },
  {
    code: '173',
    name: 'Huyện Phú Bình',
    installs: 27_626,
    phoneRegistered: 24_000,
    active: 16_000,
    smartphones: 120_000,
  },
];

export function thaiNguyen(table: NationalTable = nationalTable()): ProvinceDistricts {
  const province = table.provinces.find((p) => p.code === '19');
  if (!province) throw new Error('fixture: no Thái Nguyên');
  return { province, districts: rankRows(THAI_NGUYEN_DISTRICTS) };
}

export const TRACING: readonly TracingYieldRow[] = [
  { code: '30', name: 'Hải Dương', cases: 30, f1: 1_035, f2: 2_100 },
  { code: '48', name: 'Đà Nẵng', cases: 25, f1: 520, f2: 900 },
  { code: '01', name: 'Hà Nội', cases: 10, f1: 200, f2: 350 },
  { code: '49', name: 'Quảng Nam', cases: 7, f1: 165, f2: 240 },
  { code: '19', name: 'Thái Nguyên', cases: 0, f1: 0, f2: 0 },
];

export const SO_TTTT_THAI_NGUYEN: Issuer = {
  parentBody: 'UBND tỉnh Thái Nguyên',
  body: 'Sở Thông tin và Truyền thông',
  code: 'STTTT',
  place: 'Thái Nguyên',
};

export const CUC_THH: Issuer = {
  parentBody: 'Bộ Thông tin và Truyền thông',
  body: 'Cục Tin học hóa',
  code: 'THH',
  number: 5,
  place: 'Hà Nội',
};

/** A quick report with every narrative field written. */
export function quickInput(overrides: Partial<QuickReportInput> = {}): QuickReportInput {
  return {
    provinceCode: '19',
    round: 1,
    date: '2020-09-13',
    national: nationalTable(),
    issuer: SO_TTTT_THAI_NGUYEN,
    narrative: {
      basis: 'Công văn số 45/BCĐ ngày 10/9/2020',
      directives:
        'Ban Chỉ đạo tỉnh ban hành văn bản yêu cầu các cơ quan, đơn vị, các địa phương triển khai tuyên truyền cài đặt ứng dụng Bluezone; Sở TT&TT ban hành Công văn số 812/STTTT-TTBCXB ngày 05/8/2020 về việc tăng cường tuyên truyền phòng, chống Covid-19.',
      agencies:
        '100% các cơ quan, đơn vị đã có Công văn gửi các đơn vị, phòng, ban trực thuộc về công tác phòng, chống dịch Covid-19, hướng dẫn CBCCVC cài đặt ứng dụng Bluezone.',
      propaganda:
        'Triển khai quy trình tuyên truyền diện rộng theo cấp độ 2. Khai thác toàn bộ hệ thống truyền thông nội bộ cơ quan hành chính nhà nước, các đơn vị, doanh nghiệp, bệnh viện, trường học.',
      telecom:
        'Bảo đảm cung cấp các dịch vụ về viễn thông, Internet, truyền hình tại khu vực cách ly để người dân trong khu vực cách ly chủ động nắm bắt các thông tin chính thống về dịch bệnh Covid-19.',
      lessons: ['Cần duy trì nhắc lại định kỳ qua tin nhắn SMS và Zalo.'],
      proposals: [
        'Chỉ đạo những đơn vị quản lý những fanpage này tiếp tục tập trung thông tin chuyên môn trên mạng xã hội kịp thời;',
        'Mỗi huyện, thành phố cần thiết lập và vận hành ít nhất 01 fanpage của địa phương.',
      ],
    },
    campaign: {
      press: { from: '2020-08-01', to: '2020-08-07', articles: 70, outlets: 20 },
      smsMessages: 1_250_000,
      zaloMessages: 340_000,
      audioFiles: 32,
      fanpages: [
        { name: 'Trung tâm Kiểm soát bệnh tật tỉnh', followers: 45_210 },
        { name: 'Thành phố Thái Nguyên', followers: 38_400 },
      ],
    },
    signer: { name: 'Nguyễn Văn An' },
    ...overrides,
  };
}
