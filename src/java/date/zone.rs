//! Java time zones: ids, old three-letter ids, offsets, the JVM default zone, and zone names in text.

use super::*;

/// A `java.util.TimeZone`: a fixed offset (`UTC`, `GMT`, `GMT+05:30`, or a raw offset) or a
/// region with rules (`America/Los_Angeles`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JavaZone {
    Fixed { id: String, offset_ms: i64 },
    Region { id: String, tz: chrono_tz::Tz },
}

/// Java's old three-letter ids (`ZoneInfoFile` aliases) that are not tz database names.
const OLD_IDS: &[(&str, &str)] = &[
    ("ACT", "Australia/Darwin"),
    ("AET", "Australia/Sydney"),
    ("AGT", "America/Argentina/Buenos_Aires"),
    ("ART", "Africa/Cairo"),
    ("AST", "America/Anchorage"),
    ("BET", "America/Sao_Paulo"),
    ("BST", "Asia/Dhaka"),
    ("CAT", "Africa/Harare"),
    ("CNT", "America/St_Johns"),
    ("CST", "America/Chicago"),
    ("CTT", "Asia/Shanghai"),
    ("EAT", "Africa/Addis_Ababa"),
    ("ECT", "Europe/Paris"),
    ("IET", "America/Indiana/Indianapolis"),
    ("IST", "Asia/Kolkata"),
    ("JST", "Asia/Tokyo"),
    ("MIT", "Pacific/Apia"),
    ("NET", "Asia/Yerevan"),
    ("NST", "Pacific/Auckland"),
    ("PLT", "Asia/Karachi"),
    ("PNT", "America/Phoenix"),
    ("PRT", "America/Puerto_Rico"),
    ("PST", "America/Los_Angeles"),
    ("SST", "Pacific/Guadalcanal"),
    ("VST", "Asia/Ho_Chi_Minh"),
];

impl JavaZone {
    pub fn utc() -> JavaZone {
        JavaZone::Fixed {
            id: "UTC".into(),
            offset_ms: 0,
        }
    }

    pub fn gmt() -> JavaZone {
        JavaZone::Fixed {
            id: "GMT".into(),
            offset_ms: 0,
        }
    }

    /// A zone with a constant offset (`new SimpleTimeZone(offset, id)`).
    pub fn fixed(id: impl Into<String>, offset_ms: i64) -> JavaZone {
        JavaZone::Fixed {
            id: id.into(),
            offset_ms,
        }
    }

    /// `TimeZone.getTimeZone(id)`: unknown ids become GMT.
    pub fn from_java_id(id: &str) -> JavaZone {
        JavaZone::try_from_java_id(id).unwrap_or_else(JavaZone::gmt)
    }

    /// The zone `id` names for Java, or `None` when Java does not know it.
    pub fn try_from_java_id(id: &str) -> Option<JavaZone> {
        match id {
            "UTC" | "GMT" => {
                return Some(JavaZone::Fixed {
                    id: id.to_string(),
                    offset_ms: 0,
                });
            }
            _ => {}
        }
        if let Some(rest) = id.strip_prefix("GMT")
            && rest.starts_with(['+', '-'])
        {
            let (ms, len) = parse_gmt_offset(rest)?;
            if len != rest.len() {
                return None;
            }
            let mut normalized = String::from("GMT");
            write_offset(&mut normalized, ms, true, true);
            return Some(JavaZone::Fixed {
                id: normalized,
                offset_ms: ms,
            });
        }
        if let Some((_, target)) = OLD_IDS.iter().find(|(old, _)| *old == id)
            && let Ok(tz) = target.parse::<chrono_tz::Tz>()
        {
            return Some(JavaZone::Region {
                id: id.to_string(),
                tz,
            });
        }
        let tz = id.parse::<chrono_tz::Tz>().ok()?;
        Some(JavaZone::Region {
            id: id.to_string(),
            tz,
        })
    }

    pub fn id(&self) -> &str {
        match self {
            JavaZone::Fixed { id, .. } | JavaZone::Region { id, .. } => id,
        }
    }

    /// Offset from UTC at an instant, in milliseconds.
    pub fn offset_ms_at(&self, epoch_ms: i64) -> i64 {
        match self {
            JavaZone::Fixed { offset_ms, .. } => *offset_ms,
            JavaZone::Region { tz, .. } => {
                match chrono::DateTime::from_timestamp_millis(epoch_ms) {
                    Some(dt) => {
                        tz.offset_from_utc_datetime(&dt.naive_utc())
                            .fix()
                            .local_minus_utc() as i64
                            * 1000
                    }
                    None => 0,
                }
            }
        }
    }

    /// The instant of a local time (milliseconds of local time since 1970-01-01T00:00).
    /// In a DST gap, Java's lenient calendar uses the offset before the gap (02:30 becomes
    /// 03:30 DST) while Joda refuses the time; in an overlap Java takes standard time (the
    /// later instant) and Joda the earlier one.
    pub fn local_to_utc(&self, local_ms: i64, dialect: Dialect) -> Result<i64, String> {
        let tz = match self {
            JavaZone::Fixed { offset_ms, .. } => return Ok(local_ms - offset_ms),
            JavaZone::Region { tz, .. } => tz,
        };
        let Some(naive) = naive_from_ms(local_ms) else {
            return Ok(local_ms);
        };
        let sub_ms = local_ms.rem_euclid(1000);
        let to_ms = |dt: chrono::DateTime<chrono_tz::Tz>| dt.timestamp() * 1000 + sub_ms;
        match tz.from_local_datetime(&naive) {
            chrono::LocalResult::Single(dt) => Ok(to_ms(dt)),
            chrono::LocalResult::Ambiguous(early, late) => Ok(match dialect {
                Dialect::Simple => to_ms(late),
                Dialect::Joda => to_ms(early),
            }),
            chrono::LocalResult::None => match dialect {
                Dialect::Simple => Ok(local_ms - self.offset_ms_at(local_ms - MS_PER_DAY)),
                Dialect::Joda => Err(format!(
                    "Illegal instant due to time zone offset transition ({})",
                    tz.name()
                )),
            },
        }
    }

    /// Short display name (`z`): `PST`, `CEST`, `UTC`, or `GMT+05:30` when there is none.
    pub fn short_name(&self, epoch_ms: i64) -> String {
        match self {
            JavaZone::Fixed { id, offset_ms } => {
                if id == "UTC" || id == "GMT" {
                    id.clone()
                } else {
                    gmt_name(*offset_ms)
                }
            }
            JavaZone::Region { tz, .. } => {
                let Some(dt) = chrono::DateTime::from_timestamp_millis(epoch_ms) else {
                    return gmt_name(0);
                };
                let offset = tz.offset_from_utc_datetime(&dt.naive_utc());
                let abbr = chrono_tz::OffsetName::abbreviation(&offset).unwrap_or("");
                if abbr.is_empty() || abbr.starts_with(['+', '-']) {
                    gmt_name(offset.fix().local_minus_utc() as i64 * 1000)
                } else {
                    abbr.to_string()
                }
            }
        }
    }

    /// Long display name (`zzzz`). Java's localized long names are not carried; the common
    /// ones are, others print as `GMT±hh:mm` as Java does for zones without names.
    pub fn long_name(&self, epoch_ms: i64) -> String {
        let short = self.short_name(epoch_ms);
        let long = match short.as_str() {
            "UTC" => "Coordinated Universal Time",
            "GMT" => "Greenwich Mean Time",
            "PST" => "Pacific Standard Time",
            "PDT" => "Pacific Daylight Time",
            "MST" => "Mountain Standard Time",
            "MDT" => "Mountain Daylight Time",
            "CST" if self.id().starts_with("America") => "Central Standard Time",
            "CDT" => "Central Daylight Time",
            "EST" => "Eastern Standard Time",
            "EDT" => "Eastern Daylight Time",
            "CET" => "Central European Time",
            "CEST" => "Central European Summer Time",
            "EET" => "Eastern European Time",
            "EEST" => "Eastern European Summer Time",
            "BST" if self.id() == "Europe/London" => "British Summer Time",
            "IST" if self.id() == "Asia/Kolkata" => "India Standard Time",
            "JST" => "Japan Standard Time",
            _ => return gmt_name(self.offset_ms_at(epoch_ms)),
        };
        long.to_string()
    }
}

fn gmt_name(offset_ms: i64) -> String {
    let mut s = String::from("GMT");
    write_offset(&mut s, offset_ms, true, true);
    s
}

fn naive_from_ms(ms: i64) -> Option<NaiveDateTime> {
    chrono::DateTime::from_timestamp_millis(ms.div_euclid(1000) * 1000).map(|d| d.naive_utc())
}

static DEFAULT_ZONE: RwLock<Option<JavaZone>> = RwLock::new(None);
static SYSTEM_ZONE: OnceLock<JavaZone> = OnceLock::new();

/// The JVM default time zone: set by [`init_default_zone`] (the `-Duser.timezone` system
/// property), else the system zone (`TZ`, else `/etc/localtime`).
pub fn default_zone() -> JavaZone {
    if let Ok(guard) = DEFAULT_ZONE.read()
        && let Some(z) = guard.as_ref()
    {
        return z.clone();
    }
    SYSTEM_ZONE.get_or_init(system_zone).clone()
}

/// Set the JVM default zone from `-Duser.timezone` (None or empty: the system zone). An id
/// Java does not know gives the system's current offset as a `GMT±hh:mm` zone, as the JVM does.
pub fn init_default_zone(user_timezone: Option<&str>) {
    set_default_zone(jvm_default_zone(user_timezone));
}

/// The zone the JVM picks as its default (`TimeZone.setDefaultZone`): `-Duser.timezone`, else
/// the platform's zone (`TZ`, else `/etc/localtime`), else GMT; an id Java does not know gives
/// the system's current offset as a `GMT±hh:mm` zone.
pub fn jvm_default_zone(user_timezone: Option<&str>) -> JavaZone {
    match user_timezone.map(str::trim).filter(|s| !s.is_empty()) {
        Some(id) => JavaZone::try_from_java_id(id).unwrap_or_else(system_gmt_offset_zone),
        None => system_zone(),
    }
}

/// Replace the JVM default zone (`TimeZone.setDefault`).
pub fn set_default_zone(zone: JavaZone) {
    if let Ok(mut guard) = DEFAULT_ZONE.write() {
        *guard = Some(zone);
    }
}

/// The zone the JVM would pick from the environment: `TZ`, else `/etc/localtime`.
fn system_zone() -> JavaZone {
    if let Ok(tz) = std::env::var("TZ") {
        let id = tz.trim_start_matches(':');
        let id = id
            .split_once("zoneinfo/")
            .map(|(_, rest)| rest)
            .unwrap_or(id);
        if !id.is_empty() {
            return JavaZone::try_from_java_id(id).unwrap_or_else(system_gmt_offset_zone);
        }
    }
    if let Ok(target) = std::fs::canonicalize("/etc/localtime")
        && let Some((_, id)) = target.to_string_lossy().split_once("zoneinfo/")
        && let Some(z) = JavaZone::try_from_java_id(id)
    {
        return z;
    }
    if let Ok(id) = std::fs::read_to_string("/etc/timezone")
        && let Some(z) = JavaZone::try_from_java_id(id.trim())
    {
        return z;
    }
    // No platform zone id: the JVM takes "GMT".
    JavaZone::gmt()
}

/// `GMT±hh:mm` from the C library's current local offset (`GMT` for zero).
fn system_gmt_offset_zone() -> JavaZone {
    let offset_ms = local_offset_seconds() * 1000;
    if offset_ms == 0 {
        return JavaZone::gmt();
    }
    JavaZone::Fixed {
        id: gmt_name(offset_ms),
        offset_ms,
    }
}

fn local_offset_seconds() -> i64 {
    // SAFETY: `time` and `localtime_r` only write into the provided, properly sized structs.
    unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&now, &mut tm).is_null() {
            return 0;
        }
        tm.tm_gmtoff
    }
}

pub(super) enum ParsedZone {
    Offset(i64),
    Zone(JavaZone),
}

/// Zone names SimpleDateFormat / Joda recognise when parsing (the common English ones).
pub(super) const ZONE_NAMES: &[(&str, i64)] = &[
    ("UTC", 0),
    ("GMT", 0),
    ("UT", 0),
    ("Z", 0),
    ("EST", -5 * 60),
    ("EDT", -4 * 60),
    ("CST", -6 * 60),
    ("CDT", -5 * 60),
    ("MST", -7 * 60),
    ("MDT", -6 * 60),
    ("PST", -8 * 60),
    ("PDT", -7 * 60),
    ("AKST", -9 * 60),
    ("AKDT", -8 * 60),
    ("HST", -10 * 60),
    ("WET", 0),
    ("WEST", 60),
    ("BST", 60),
    ("CET", 60),
    ("CEST", 2 * 60),
    ("MET", 60),
    ("MEST", 2 * 60),
    ("EET", 2 * 60),
    ("EEST", 3 * 60),
    ("MSK", 3 * 60),
    ("IST", 5 * 60 + 30),
    ("JST", 9 * 60),
    ("KST", 9 * 60),
    ("HKT", 8 * 60),
    ("SGT", 8 * 60),
    ("AEST", 10 * 60),
    ("AEDT", 11 * 60),
    ("ACST", 9 * 60 + 30),
    ("AWST", 8 * 60),
    ("NZST", 12 * 60),
    ("NZDT", 13 * 60),
];

pub(super) fn parse_simple_zone(
    text: &str,
    pos: usize,
    field: Field,
    count: usize,
) -> Option<(ParsedZone, usize)> {
    let rest = &text[pos..];
    let first = rest.chars().next()?;
    if field == Field::IsoZone {
        if first == 'Z' {
            return Some((ParsedZone::Offset(0), pos + 1));
        }
        let (ms, len) = parse_numeric_offset(rest, count == 3, count == 1)?;
        return Some((ParsedZone::Offset(ms), pos + len));
    }
    if first == '+' || first == '-' {
        let (ms, len) = parse_numeric_offset(rest, false, false)?;
        return Some((ParsedZone::Offset(ms), pos + len));
    }
    if rest.len() >= 3 && rest[..3].eq_ignore_ascii_case("GMT") {
        let after = &rest[3..];
        if after.starts_with(['+', '-']) {
            let (ms, len) = parse_gmt_offset(after)?;
            return Some((ParsedZone::Offset(ms), pos + 3 + len));
        }
        return Some((ParsedZone::Offset(0), pos + 3));
    }
    // Zone names: longest match, ignoring case.
    let mut best: Option<(&str, i64)> = None;
    for (name, minutes) in ZONE_NAMES {
        if *name == "Z" {
            continue;
        }
        if rest.len() >= name.len()
            && rest.is_char_boundary(name.len())
            && rest[..name.len()].eq_ignore_ascii_case(name)
            && best.is_none_or(|(b, _)| name.len() > b.len())
        {
            best = Some((name, *minutes));
        }
    }
    best.map(|(name, minutes)| (ParsedZone::Offset(minutes * 60_000), pos + name.len()))
}

/// `GMT+h[h][:mm]`, `GMT+hhmm` (after "GMT").
pub(super) fn parse_gmt_offset(s: &str) -> Option<(i64, usize)> {
    let b = s.as_bytes();
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let mut i = 1;
    let mut hours = 0i64;
    let mut hd = 0;
    while i < b.len() && b[i].is_ascii_digit() && hd < 2 {
        hours = hours * 10 + (b[i] - b'0') as i64;
        i += 1;
        hd += 1;
    }
    if hd == 0 || hours > 23 {
        return None;
    }
    let mut minutes = 0i64;
    if b.get(i) == Some(&b':') {
        if b.len() >= i + 3 && b[i + 1].is_ascii_digit() && b[i + 2].is_ascii_digit() {
            minutes = ((b[i + 1] - b'0') * 10 + (b[i + 2] - b'0')) as i64;
            i += 3;
        } else {
            return None;
        }
    } else if hd == 2 && b.len() >= i + 2 && b[i].is_ascii_digit() && b[i + 1].is_ascii_digit() {
        minutes = ((b[i] - b'0') * 10 + (b[i + 1] - b'0')) as i64;
        i += 2;
    }
    if minutes > 59 {
        return None;
    }
    Some((sign * (hours * 3_600_000 + minutes * 60_000), i))
}

/// `±hh`, `±hhmm`, `±hh:mm`.
pub(super) fn parse_numeric_offset(s: &str, colon: bool, hours_only: bool) -> Option<(i64, usize)> {
    let b = s.as_bytes();
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    if b.len() < 3 || !b[1].is_ascii_digit() || !b[2].is_ascii_digit() {
        return None;
    }
    let hours = ((b[1] - b'0') * 10 + (b[2] - b'0')) as i64;
    if hours > 23 {
        return None;
    }
    let mut i = 3;
    let mut minutes = 0i64;
    if !hours_only {
        if colon {
            if b.get(i) != Some(&b':') {
                return None;
            }
            i += 1;
        }
        if b.len() < i + 2 || !b[i].is_ascii_digit() || !b[i + 1].is_ascii_digit() {
            return None;
        }
        minutes = ((b[i] - b'0') * 10 + (b[i + 1] - b'0')) as i64;
        if minutes > 59 {
            return None;
        }
        i += 2;
    }
    Some((sign * (hours * 3_600_000 + minutes * 60_000), i))
}

/// Joda `Z`/`ZZ`: "Z" (any case) for zero, or `±hh`, `±hhmm`, `±hh:mm`.
pub(super) fn parse_joda_offset(text: &str, pos: usize) -> Option<(i64, usize)> {
    let rest = &text[pos..];
    if rest.starts_with(['Z', 'z']) {
        return Some((0, pos + 1));
    }
    let b = rest.as_bytes();
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    if b.len() < 3 || !b[1].is_ascii_digit() || !b[2].is_ascii_digit() {
        return None;
    }
    let hours = ((b[1] - b'0') * 10 + (b[2] - b'0')) as i64;
    if hours > 23 {
        return None;
    }
    let mut i = 3;
    let mut minutes = 0;
    let colon = b.get(i) == Some(&b':');
    let j = if colon { i + 1 } else { i };
    if b.len() >= j + 2 && b[j].is_ascii_digit() && b[j + 1].is_ascii_digit() {
        minutes = ((b[j] - b'0') * 10 + (b[j + 1] - b'0')) as i64;
        if minutes > 59 {
            return None;
        }
        i = j + 2;
    }
    Some((sign * (hours * 3_600_000 + minutes * 60_000), pos + i))
}

/// Joda `z`: the default zone names (UT, UTC, GMT, EST, EDT, CST, CDT, MST, MDT, PST, PDT).
pub(super) fn parse_joda_zone_name(text: &str, pos: usize) -> Option<(ParsedZone, usize)> {
    const NAMES: &[(&str, &str)] = &[
        ("UTC", "UTC"),
        ("UT", "UTC"),
        ("GMT", "UTC"),
        ("EST", "America/New_York"),
        ("EDT", "America/New_York"),
        ("CST", "America/Chicago"),
        ("CDT", "America/Chicago"),
        ("MST", "America/Denver"),
        ("MDT", "America/Denver"),
        ("PST", "America/Los_Angeles"),
        ("PDT", "America/Los_Angeles"),
    ];
    let rest = &text[pos..];
    let (name, id) = NAMES.iter().find(|(n, _)| rest.starts_with(n))?;
    Some((
        ParsedZone::Zone(JavaZone::from_java_id(id)),
        pos + name.len(),
    ))
}

/// Joda `ZZZ`: the longest zone id at `pos`.
pub(super) fn parse_zone_id(text: &str, pos: usize) -> Option<(JavaZone, usize)> {
    let rest = &text[pos..];
    let mut best: Option<&str> = None;
    for tz in chrono_tz::TZ_VARIANTS.iter() {
        let name = tz.name();
        if rest.starts_with(name) && best.is_none_or(|b| name.len() > b.len()) {
            best = Some(name);
        }
    }
    for fixed in ["UTC", "GMT"] {
        if rest.starts_with(fixed) && best.is_none_or(|b| fixed.len() > b.len()) {
            best = Some(fixed);
        }
    }
    best.map(|name| (JavaZone::from_java_id(name), pos + name.len()))
}

impl std::fmt::Display for JavaZone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}
