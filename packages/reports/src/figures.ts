/**
 * The inputs of the reports: the statistics (shaped as the admin API and `bluezone stats national
 * --json` print them, so their output plugs in structurally) and what the user writes in the portal
 * (narrative sections, campaign figures, recipients, signer).
 *
 * Every rate is a fraction (0.2707 = 27,07 %). Codes are GSO codes as strings.
 *
 * @module
 */

/** One row of the national table: a province (or, in a province's table, a district). */
export interface AreaStat {
  readonly code: string;
  readonly name: string;
  /** Installs registered in the area. */
  readonly installs: number;
  /** Installs with a verified phone number ("Bluezoner có số điện thoại"), unique by number. */
  readonly phoneRegistered: number;
  /** Installs that checked in within the active window. */
  readonly active: number;
  /** Smartphones in the area (the imported denominator). */
  readonly smartphones: number;
  /** phoneRegistered ÷ smartphones, a fraction. */
  readonly rate: number;
  /** Position by rate among the areas of the table, 1 = highest; ties share a rank. */
  readonly rank: number;
}

/** A province row of the national table. */
export type ProvinceStat = AreaStat;
/** A district row of a province's table. */
export type DistrictStat = AreaStat;

/** The total row: the same figures without code and rank. */
export interface TotalStat {
  readonly name?: string;
  readonly installs: number;
  readonly phoneRegistered: number;
  readonly active: number;
  readonly smartphones: number;
  readonly rate: number;
}

/** Install rate on one carrier: phone-registered installs on it ÷ its smartphone subscribers. */
export interface CarrierStat {
  /** Carrier id from `vn-carriers.json` (`viettel`, `vinaphone`, …) or a display name; "" = unknown. */
  readonly carrier: string;
  readonly phoneRegistered: number;
  readonly smartphones: number;
  readonly rate: number;
}

/** The national table, as `bluezone stats national --json` prints it. */
export interface NationalTable {
  /** ISO instant the figures are counted up to. */
  readonly asOf: string;
  readonly provinces: readonly ProvinceStat[];
  readonly total: TotalStat;
  readonly carriers: readonly CarrierStat[];
}

/** A province with its districts ("a province with its districts" query). */
export interface ProvinceDistricts {
  readonly province: ProvinceStat;
  readonly districts: readonly DistrictStat[];
}

/** Tracing yield of one province over a period: cases entered, contacts reported. */
export interface TracingYieldRow {
  readonly code: string;
  readonly name: string;
  /** Confirmed cases (F0) whose keys or logs were used. */
  readonly cases: number;
  /** Close contacts found (F1). */
  readonly f1: number;
  /** Contacts of contacts found (F2). */
  readonly f2: number;
}

/** The issuing body and the document number, the left column of the header. */
export interface Issuer {
  /** Parent body, upper case in the document: "UBND TỈNH THÁI NGUYÊN", "BỘ THÔNG TIN VÀ TRUYỀN THÔNG". */
  readonly parentBody: string;
  /** Issuing body: "SỞ THÔNG TIN VÀ TRUYỀN THÔNG", "CỤC TIN HỌC HÓA". */
  readonly body: string;
  /** The body's name as used inside sentences: "Sở Thông tin và Truyền thông". */
  readonly bodyInSentence?: string;
  /** Abbreviation after "BC-" in the number line: "STTTT" → "Số: …/BC-STTTT". */
  readonly code: string;
  /** Registered number once issued (padded to 2 digits below 10); "…" until then. */
  readonly number?: number;
  /** Place name of the date line: "Thái Nguyên", "Hà Nội". */
  readonly place: string;
}

/** Who signs: "KT. GIÁM ĐỐC" / "PHÓ GIÁM ĐỐC" / name. */
export interface Signer {
  /** Authority line, e.g. "KT. GIÁM ĐỐC" (a deputy signing for the head), "GIÁM ĐỐC", "TL. CỤC TRƯỞNG". */
  readonly authority?: string;
  /** Position line under it, e.g. "PHÓ GIÁM ĐỐC"; omit when the head signs. */
  readonly title?: string;
  /** Full name, no academic titles; "…" placeholder when absent. */
  readonly name?: string;
}

/** A fanpage named in the lessons section, with its followers. */
export interface Fanpage {
  readonly name: string;
  readonly followers: number;
}

/** The communication campaign figures the department reports (written in the portal). */
export interface CampaignFigures {
  /** Press coverage over a period: "từ ngày 01/8 đến 07/8 đã có hơn 70 tin, bài của gần 20 cơ quan báo chí". */
  readonly press?: {
    readonly from: string;
    readonly to: string;
    readonly articles: number;
    readonly outlets: number;
  };
  readonly smsMessages?: number;
  readonly zaloMessages?: number;
  /** Audio files broadcast by the commune radio stations. */
  readonly audioFiles?: number;
  readonly fanpages?: readonly Fanpage[];
}

/** The narrative sections of the quick report; each absent field prints a marked placeholder. */
export interface QuickNarrative {
  /** The instruction the report answers: "Công văn số 123/BCĐ ngày 10/9/2020". */
  readonly basis?: string;
  /** Who instructed it: "Ban Chỉ đạo phòng, chống dịch Covid-19 tỉnh Thái Nguyên" (default from the province). */
  readonly basisIssuer?: string;
  /** Section 1, first paragraph: the directives issued. */
  readonly directives?: string;
  /** Section 1: what the agencies did, before the figures ("100% các cơ quan, đơn vị đã …"). */
  readonly agencies?: string;
  /** Section 2.1: information and propaganda work. */
  readonly propaganda?: string;
  /** Section 2.2: telecommunications and IT work. */
  readonly telecom?: string;
  /** Section 3: grassroots information system. */
  readonly grassroots?: string;
  /** Section 4: lessons ("– …" items). */
  readonly lessons?: readonly string[];
  /** Section 4: proposals ("+ …" items under the lessons, then "– Đề nghị …"). */
  readonly proposals?: readonly string[];
}

/** Everything the province quick report ("Báo cáo nhanh") needs. */
export interface QuickReportInput {
  /** GSO code of the reporting province (a row of `national.provinces`). */
  readonly provinceCode: string;
  /** Campaign round ("đợt"), 1-based. */
  readonly round: number;
  /** Date of the report (ISO date or instant); also the creation date of the files. */
  readonly date: string;
  readonly national: NationalTable;
  readonly issuer: Issuer;
  /** Target install rate, a fraction (default 0.5). */
  readonly target?: number;
  readonly narrative?: QuickNarrative;
  readonly campaign?: CampaignFigures;
  /** "Nơi nhận" lines without the leading "- " and trailing ";" (default: the source form's list). */
  readonly recipients?: readonly string[];
  readonly signer?: Signer;
  /** Author recorded in the file properties. */
  readonly author?: string;
  /** Add the rate chart and the map to the appendix (default true). */
  readonly charts?: boolean;
}

/** The national summary (the seed's second report). */
export interface NationalReportInput {
  readonly date: string;
  readonly national: NationalTable;
  readonly issuer: Issuer;
  readonly target?: number;
  /** Active installs that have a phone number ("tổng lượt đang hoạt động có số điện thoại"), if counted. */
  readonly activeWithPhone?: number;
  /** Active window in days (default 7), named in the text. */
  readonly activeDays?: number;
  /** How many provinces the top and bottom lists hold (default 5). */
  readonly topN?: number;
  readonly tracing?: {
    readonly from: string;
    readonly to: string;
    readonly rows: readonly TracingYieldRow[];
    /** All confirmed cases in the country over the period, when known ("trong tổng số 146 ca"). */
    readonly nationalCases?: number;
  };
  /** A province shown with its districts. */
  readonly example?: ProvinceDistricts;
  /** Solutions and directions ("giải pháp, định hướng"): one item each. */
  readonly directions?: readonly string[];
  readonly recipients?: readonly string[];
  readonly signer?: Signer;
  readonly author?: string;
  readonly charts?: boolean;
}

/** The tracing results report. */
export interface TracingReportInput {
  readonly date: string;
  readonly from: string;
  readonly to: string;
  readonly rows: readonly TracingYieldRow[];
  readonly nationalCases?: number;
  readonly issuer: Issuer;
  /** Assessment and proposals, one item each. */
  readonly assessment?: readonly string[];
  readonly recipients?: readonly string[];
  readonly signer?: Signer;
  readonly author?: string;
}
