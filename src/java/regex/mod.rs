//! Java regular expressions (`java.util.regex.Pattern`) on Rust engines.
//!
//! Flume users wrote their patterns for Java. A pattern is translated to Rust syntax with
//! Java's meaning, then compiled with the `regex` crate (linear time) or, when it needs
//! backtracking features (lookaround, backreferences, atomic groups, possessive quantifiers,
//! `\G`), with `fancy-regex`. A pattern neither engine can run is rejected when the component
//! is built, with the pattern and the reason.
//!
//! What the translation keeps of Java's meaning:
//! * `\d \w \s` (and `\D \W \S`, POSIX `\p{Alpha}`-style classes) are ASCII-only, as in Java
//!   without `UNICODE_CHARACTER_CLASS`; `(?U)` makes `\d \w \s` Unicode.
//! * `.` does not match any Java line terminator (`\n \r \u0085 \u2028 \u2029`) unless `(?s)`.
//! * `$` (and `\Z`) also match before a final line terminator; in `(?m)` mode `^` and `$` know
//!   every Java line terminator. Texts without line terminators (the common case) use the fast
//!   engine; the exact lookaround form is used only when the text has one.
//! * `\Q…\E`, `\uXXXX`, `\0oct`, `\cX`, `\e`, `\a`, `\h`, `\v`, `\R`, `\p{javaLowerCase}`,
//!   `\p{IsLatin}`, `\p{L}`, escaped punctuation, `(?<name>…)`, `\k<name>`, embedded flags
//!   `(?imsxdU-…)`.
//!
//! Known differences: `(?i)` folds case for all of Unicode (Java folds ASCII only unless
//! `(?u)`); Unicode blocks (`\p{InGreek}`) and `\X` are rejected; fancy-regex stops a match
//! that backtracks too long with an error instead of running for ever.
//!
//! Also here: Java's `Matcher.replaceAll` replacement syntax ([`Replacement`]), `find()` vs
//! `matches()` ([`JavaRegex::find`], [`JavaRegex::matches`]) and `String.split`.

mod translate;

use std::borrow::Cow;
use std::sync::OnceLock;

use translate::{rust_reason, translate};

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum RegexError {
    /// The pattern cannot be used (Java's `PatternSyntaxException`, or a Java feature the Rust
    /// engines lack).
    #[error("invalid regular expression \"{pattern}\": {reason}")]
    Syntax { pattern: String, reason: String },
    /// Matching failed at run time (fancy-regex's backtracking limit).
    #[error("regular expression \"{pattern}\" could not be evaluated: {reason}")]
    Runtime { pattern: String, reason: String },
}

enum Engine {
    Fast(regex::Regex),
    Fancy(fancy_regex::Regex),
}

impl Engine {
    fn compile(pattern: &str, fancy: bool) -> Result<Engine, String> {
        if !fancy {
            match regex::Regex::new(pattern) {
                Ok(r) => return Ok(Engine::Fast(r)),
                Err(regex::Error::CompiledTooBig(_)) => {}
                // The message quotes the translated pattern; keep only the reason.
                Err(e) => return Err(rust_reason(&e.to_string())),
            }
        }
        fancy_regex::Regex::new(pattern)
            .map(Engine::Fancy)
            .map_err(|e| e.to_string())
    }

    /// Leftmost match starting the search at byte `at`: (start, end).
    fn find_at(&self, text: &str, at: usize) -> Result<Option<(usize, usize)>, String> {
        match self {
            Engine::Fast(r) => Ok(r.find_at(text, at).map(|m| (m.start(), m.end()))),
            Engine::Fancy(r) => r
                .find_from_pos(text, at)
                .map(|m| m.map(|m| (m.start(), m.end())))
                .map_err(|e| e.to_string()),
        }
    }

    fn is_match(&self, text: &str) -> Result<bool, String> {
        match self {
            Engine::Fast(r) => Ok(r.is_match(text)),
            Engine::Fancy(r) => r.is_match(text).map_err(|e| e.to_string()),
        }
    }

    /// Group spans of the leftmost match at or after `at`; index 0 is the whole match. The
    /// fast engine borrows its slot buffer from `pool` and gives it back when the groups are
    /// dropped, so a match allocates nothing.
    fn captures_at<'r>(
        &self,
        text: &str,
        at: usize,
        pool: &'r LocationPool,
    ) -> Result<Option<Groups<'r>>, String> {
        match self {
            Engine::Fast(r) => {
                let mut locs = pool.take().unwrap_or_else(|| r.capture_locations());
                if r.captures_read_at(&mut locs, text, at).is_none() {
                    pool.give(locs);
                    return Ok(None);
                }
                Ok(Some(Groups {
                    spans: Spans::Locations(Some(locs)),
                    pool: Some(pool),
                }))
            }
            Engine::Fancy(r) => r
                .captures_from_pos(text, at)
                .map(|c| {
                    c.map(|c| Groups {
                        spans: Spans::Owned(
                            (0..c.len())
                                .map(|i| c.get(i).map(|m| (m.start(), m.end())))
                                .collect(),
                        ),
                        pool: None,
                    })
                })
                .map_err(|e| e.to_string()),
        }
    }

    fn is_fancy(&self) -> bool {
        matches!(self, Engine::Fancy(_))
    }
}

/// A capture buffer a caller reuses across matches ([`JavaRegex::captures_in`]).
#[derive(Default)]
pub struct CaptureBuffer(Option<regex::CaptureLocations>);

/// Reusable capture buffers of the fast engine.
#[derive(Default)]
struct LocationPool(std::sync::Mutex<Vec<regex::CaptureLocations>>);

impl LocationPool {
    fn take(&self) -> Option<regex::CaptureLocations> {
        self.0.lock().ok().and_then(|mut p| p.pop())
    }

    fn give(&self, locs: regex::CaptureLocations) {
        if let Ok(mut p) = self.0.lock()
            && p.len() < 64
        {
            p.push(locs);
        }
    }
}

enum Spans<'r> {
    Locations(Option<regex::CaptureLocations>),
    /// A caller's buffer ([`CaptureBuffer`]).
    Borrowed(&'r regex::CaptureLocations),
    Owned(Vec<Option<(usize, usize)>>),
}

/// Byte spans of a match's groups (0 = whole match); `None` for a group that did not take
/// part in the match (Java's `group(i) == null`).
pub struct Groups<'r> {
    spans: Spans<'r>,
    pool: Option<&'r LocationPool>,
}

impl Groups<'_> {
    pub fn span(&self, i: usize) -> Option<(usize, usize)> {
        match &self.spans {
            Spans::Locations(Some(l)) => l.get(i),
            Spans::Locations(None) => None,
            Spans::Borrowed(l) => l.get(i),
            Spans::Owned(v) => v.get(i).copied().flatten(),
        }
    }

    pub fn get<'t>(&self, text: &'t str, i: usize) -> Option<&'t str> {
        self.span(i).map(|(s, e)| &text[s..e])
    }

    /// Number of groups including group 0.
    pub fn len(&self) -> usize {
        match &self.spans {
            Spans::Locations(l) => l.as_ref().map_or(0, |l| l.len()),
            Spans::Borrowed(l) => l.len(),
            Spans::Owned(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for Groups<'_> {
    fn drop(&mut self) {
        if let (Some(pool), Spans::Locations(locs)) = (self.pool, &mut self.spans)
            && let Some(l) = locs.take()
        {
            pool.give(l);
        }
    }
}

impl std::fmt::Debug for Groups<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries((0..self.len()).map(|i| self.span(i)))
            .finish()
    }
}

/// A compiled Java regular expression.
pub struct JavaRegex {
    java: String,
    /// For texts without line terminators.
    fast: Engine,
    /// For texts with line terminators, when the pattern has line-sensitive anchors.
    exact: Option<Engine>,
    fast_source: String,
    exact_source: Option<String>,
    full_fast: OnceLock<Option<Engine>>,
    full_exact: OnceLock<Option<Engine>>,
    group_count: usize,
    names: Vec<(String, usize)>,
    locations: LocationPool,
}

impl std::fmt::Debug for JavaRegex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JavaRegex")
            .field("java", &self.java)
            .field("rust", &self.fast_source)
            .field("fancy", &self.fast.is_fancy())
            .finish()
    }
}

impl JavaRegex {
    /// `Pattern.compile(pattern)`.
    pub fn new(pattern: &str) -> Result<JavaRegex, RegexError> {
        let syntax = |reason: String| RegexError::Syntax {
            pattern: pattern.to_string(),
            reason,
        };
        let t = translate(pattern).map_err(syntax)?;
        let fast = Engine::compile(&t.fast, t.fancy).map_err(syntax)?;
        let (exact, exact_source) = if t.line_anchors {
            let e = Engine::compile(&t.exact, true).map_err(syntax)?;
            (Some(e), Some(t.exact))
        } else {
            (None, None)
        };
        Ok(JavaRegex {
            java: pattern.to_string(),
            fast,
            exact,
            fast_source: t.fast,
            exact_source,
            full_fast: OnceLock::new(),
            full_exact: OnceLock::new(),
            group_count: t.groups,
            names: t.names,
            locations: LocationPool::default(),
        })
    }

    /// The Java pattern as written.
    pub fn as_str(&self) -> &str {
        &self.java
    }

    /// The translated pattern given to the Rust engine.
    pub fn rust_pattern(&self) -> &str {
        &self.fast_source
    }

    /// True when the pattern runs on the backtracking engine (fancy-regex).
    pub fn is_backtracking(&self) -> bool {
        self.fast.is_fancy()
    }

    /// `Matcher.groupCount()`.
    pub fn group_count(&self) -> usize {
        self.group_count
    }

    pub fn group_index(&self, name: &str) -> Option<usize> {
        self.names.iter().find(|(n, _)| n == name).map(|(_, i)| *i)
    }

    fn engine_for(&self, text: &str) -> &Engine {
        match &self.exact {
            Some(exact) if has_line_terminator(text) => exact,
            _ => &self.fast,
        }
    }

    fn runtime(&self, reason: String) -> RegexError {
        RegexError::Runtime {
            pattern: self.java.clone(),
            reason,
        }
    }

    /// `Matcher.find()`: does the pattern occur anywhere in `text`?
    pub fn find(&self, text: &str) -> Result<bool, RegexError> {
        self.engine_for(text)
            .is_match(text)
            .map_err(|e| self.runtime(e))
    }

    /// `Matcher.matches()`: does the pattern match the whole of `text`?
    pub fn matches(&self, text: &str) -> Result<bool, RegexError> {
        let use_exact = self.exact.is_some() && has_line_terminator(text);
        let (cell, source) = if use_exact {
            (&self.full_exact, self.exact_source.as_deref().unwrap_or(""))
        } else {
            (&self.full_fast, self.fast_source.as_str())
        };
        let fancy = if use_exact {
            true
        } else {
            self.fast.is_fancy()
        };
        let engine =
            cell.get_or_init(|| Engine::compile(&format!(r"\A(?:{source})\z"), fancy).ok());
        match engine {
            Some(e) => e.is_match(text).map_err(|e| self.runtime(e)),
            None => Err(self.runtime("the anchored pattern could not be compiled".into())),
        }
    }

    /// [`JavaRegex::captures`] into a buffer the caller keeps (one per batch, say), without
    /// the shared pool's lock per match.
    pub fn captures_in<'r>(
        &'r self,
        text: &str,
        buf: &'r mut CaptureBuffer,
    ) -> Result<Option<Groups<'r>>, RegexError> {
        match self.engine_for(text) {
            Engine::Fast(r) => {
                let locs = buf.0.get_or_insert_with(|| r.capture_locations());
                if locs.len() != r.captures_len() {
                    *locs = r.capture_locations();
                }
                if r.captures_read_at(locs, text, 0).is_none() {
                    return Ok(None);
                }
                Ok(Some(Groups {
                    spans: Spans::Borrowed(locs),
                    pool: None,
                }))
            }
            engine => engine
                .captures_at(text, 0, &self.locations)
                .map_err(|e| self.runtime(e)),
        }
    }

    /// The first match (`Matcher.find()` once) with its groups.
    pub fn captures(&self, text: &str) -> Result<Option<Groups<'_>>, RegexError> {
        self.engine_for(text)
            .captures_at(text, 0, &self.locations)
            .map_err(|e| self.runtime(e))
    }

    /// Visit every match as `Matcher.find()` in a loop does (an empty match moves the next
    /// search one character on; an empty match right after a non-empty one is allowed).
    fn for_each_match(
        &self,
        text: &str,
        with_groups: bool,
        mut f: impl FnMut(usize, usize, Option<&Groups>),
    ) -> Result<(), RegexError> {
        let engine = self.engine_for(text);
        let mut search = 0usize;
        loop {
            if search > text.len() {
                break;
            }
            let found = if with_groups {
                engine
                    .captures_at(text, search, &self.locations)
                    .map_err(|e| self.runtime(e))?
                    .and_then(|g| g.span(0).map(|(s, e)| (s, e, Some(g))))
            } else {
                engine
                    .find_at(text, search)
                    .map_err(|e| self.runtime(e))?
                    .map(|(s, e)| (s, e, None))
            };
            let Some((start, end, groups)) = found else {
                break;
            };
            f(start, end, groups.as_ref());
            search = if start == end {
                end + text[end..].chars().next().map_or(1, char::len_utf8)
            } else {
                end
            };
        }
        Ok(())
    }

    /// `Matcher.replaceAll(replacement)`. A replacement that refers to a group the pattern
    /// does not have fails only when there is a match, as in Java.
    pub fn replace_all<'t>(
        &self,
        text: &'t str,
        replacement: &Replacement,
    ) -> Result<Cow<'t, str>, RegexError> {
        let mut out: Option<String> = None;
        let mut appended = 0usize;
        let mut failure: Option<String> = None;
        let needs_groups = replacement.needs_groups();
        self.for_each_match(text, needs_groups, |start, end, groups| {
            if failure.is_some() {
                return;
            }
            let pieces = match &replacement.pieces {
                Ok(p) => p,
                Err(e) => {
                    failure = Some(e.clone());
                    return;
                }
            };
            let buf = out.get_or_insert_with(|| String::with_capacity(text.len()));
            buf.push_str(&text[appended..start]);
            for piece in pieces {
                match piece {
                    Piece::Literal(s) => buf.push_str(s),
                    Piece::Group(i) => {
                        if let Some(g) = groups.and_then(|g| g.get(text, *i)) {
                            buf.push_str(g);
                        }
                    }
                }
            }
            appended = end;
        })?;
        if let Some(reason) = failure {
            return Err(self.runtime(reason));
        }
        Ok(match out {
            None => Cow::Borrowed(text),
            Some(mut s) => {
                s.push_str(&text[appended..]);
                Cow::Owned(s)
            }
        })
    }

    /// `String.split(regex)` (limit 0): no leading empty string for a zero-width match at the
    /// start, trailing empty strings removed.
    pub fn split<'t>(&self, text: &'t str) -> Result<Vec<&'t str>, RegexError> {
        let mut parts: Vec<&str> = Vec::new();
        let mut index = 0usize;
        self.for_each_match(text, false, |start, end, _| {
            if index == 0 && start == 0 && start == end {
                return;
            }
            parts.push(&text[index..start]);
            index = end;
        })?;
        if index == 0 {
            return Ok(vec![text]);
        }
        parts.push(&text[index..]);
        while parts.last().is_some_and(|p| p.is_empty()) {
            parts.pop();
        }
        Ok(parts)
    }
}

fn has_line_terminator(text: &str) -> bool {
    text.bytes().any(|b| b == b'\n' || b == b'\r')
        || (!text.is_ascii()
            && text
                .chars()
                .any(|c| matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}')))
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Group(usize),
}

/// A `Matcher.replaceAll` replacement string, parsed against a pattern: `$n` (as many digits
/// as form an existing group), `${name}`, `\x` (x literally).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    /// `Err` holds Java's exception message, raised when the first match is replaced.
    pieces: Result<Vec<Piece>, String>,
}

impl Replacement {
    pub fn parse(replacement: &str, regex: &JavaRegex) -> Replacement {
        Replacement {
            pieces: parse_replacement(replacement, regex),
        }
    }

    /// Java's message if this replacement will fail on the first match.
    pub fn error(&self) -> Option<&str> {
        self.pieces.as_ref().err().map(String::as_str)
    }

    fn needs_groups(&self) -> bool {
        match &self.pieces {
            Ok(p) => p.iter().any(|p| matches!(p, Piece::Group(_))),
            Err(_) => false,
        }
    }
}

fn parse_replacement(s: &str, regex: &JavaRegex) -> Result<Vec<Piece>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            i += 1;
            let Some(&next) = chars.get(i) else {
                return Err("character to be escaped is missing".into());
            };
            lit.push(next);
            i += 1;
        } else if c == '$' {
            i += 1;
            let Some(&next) = chars.get(i) else {
                return Err("Illegal group reference: group index is missing".into());
            };
            let group = if next == '{' {
                i += 1;
                let mut name = String::new();
                while let Some(&c) = chars.get(i) {
                    if c.is_ascii_alphanumeric() {
                        name.push(c);
                        i += 1;
                    } else {
                        break;
                    }
                }
                if name.is_empty() {
                    return Err("named capturing group has 0 length name".into());
                }
                if chars.get(i) != Some(&'}') {
                    return Err("named capturing group is missing trailing '}'".into());
                }
                i += 1;
                regex
                    .group_index(&name)
                    .ok_or_else(|| format!("No group with name {{{name}}}"))?
            } else {
                let Some(mut n) = next.to_digit(10).map(|d| d as usize) else {
                    return Err("Illegal group reference".into());
                };
                i += 1;
                while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
                    let bigger = n * 10 + d as usize;
                    if bigger > regex.group_count() {
                        break;
                    }
                    n = bigger;
                    i += 1;
                }
                if n > regex.group_count() {
                    return Err(format!("No group {n}"));
                }
                n
            };
            if !lit.is_empty() {
                pieces.push(Piece::Literal(std::mem::take(&mut lit)));
            }
            pieces.push(Piece::Group(group));
        } else {
            lit.push(c);
            i += 1;
        }
    }
    if !lit.is_empty() {
        pieces.push(Piece::Literal(lit));
    }
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(p: &str) -> JavaRegex {
        JavaRegex::new(p).unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    #[test]
    fn plain_patterns_use_the_fast_engine() {
        let r = re(r"(\d):(\d):(\d)");
        assert!(!r.is_backtracking());
        assert_eq!(r.group_count(), 3);
        let g = r.captures("1:2:3.4foobar5").unwrap().unwrap();
        assert_eq!(g.get("1:2:3.4foobar5", 1), Some("1"));
        assert_eq!(g.get("1:2:3.4foobar5", 3), Some("3"));
    }

    #[test]
    fn java_classes_are_ascii() {
        assert!(!re(r"^\d+$").find("١٢٣").unwrap()); // Arabic-Indic digits
        assert!(re(r"(?U)^\d+$").find("١٢٣").unwrap());
        assert!(!re(r"^\w+$").find("héllo").unwrap());
        assert!(re(r"^\p{Alpha}+$").find("hello").unwrap());
        assert!(!re(r"^\p{Alpha}+$").find("héllo").unwrap());
        assert!(re(r"^[\p{Alpha}_]+$").find("a_b").unwrap());
        assert!(re(r"^[^\p{Digit}]+$").find("abc").unwrap());
        assert!(re(r"^\P{Digit}+$").find("abc").unwrap());
        assert!(re(r"^[\w&&[^\d]]+$").find("abc").unwrap());
        assert!(!re(r"^[\w&&[^\d]]+$").find("ab1").unwrap());
        assert!(re(r"\p{Punct}").find("a,b").unwrap());
        assert!(re(r"^\p{L}+$").find("héllo").unwrap());
        assert!(re(r"^\p{IsLatin}+$").find("héllo").unwrap());
        assert!(re(r"^\p{javaLowerCase}+$").find("héllo").unwrap());
        assert!(re(r"^\p{Lu}").find("Élan").unwrap());
        assert!(re(r"^\s$").find("\u{0B}").unwrap());
        assert!(!re(r"^\s$").find("\u{A0}").unwrap());
    }

    #[test]
    fn dot_and_anchors_follow_java_line_terminators() {
        assert!(!re(r"a.b").find("a\rb").unwrap());
        assert!(re(r"(?s)a.b").find("a\rb").unwrap());
        // $ matches before a final line terminator.
        assert!(re(r"abc$").find("abc\n").unwrap());
        assert!(re(r"abc$").find("abc\r\n").unwrap());
        assert!(!re(r"abc$").find("abc\n\n").unwrap());
        assert!(re(r"abc\Z").find("abc\u{2028}").unwrap());
        assert!(!re(r"abc\z").find("abc\n").unwrap());
        // Multiline knows \r.
        assert!(re(r"(?m)^b$").find("a\rb\rc").unwrap());
        assert!(re(r"(?m)^b$").find("a\nb\nc").unwrap());
        assert!(!re(r"^b$").find("a\nb\nc").unwrap());
        // matches() is a whole-text match.
        assert!(re("header").matches("header").unwrap());
        assert!(!re("header").matches("my-header").unwrap());
        assert!(re("my-header1.*").matches("my-header10").unwrap());
        assert!(re("a|ab").matches("ab").unwrap());
    }

    #[test]
    fn java_only_syntax_is_translated() {
        assert!(re(r"\Qa.b*c\E+").find("a.b*cc").unwrap());
        assert!(!re(r"\Qa.b\E").find("axb").unwrap());
        assert!(re(r"\u0041\x42\0103\cJ").find("ABC\n").unwrap());
        assert!(re(r"\uD83D\uDE00").find("x😀").unwrap());
        assert!(re(r"a\<b\>").find("a<b>").unwrap());
        assert!(re(r"[+--]").find(",").unwrap());
        assert!(re(r"[]a]").find("]").unwrap());
        assert!(re(r"a}").find("a}").unwrap());
        assert!(
            re(r"(?x) a b # comment
                 c")
            .find("abc")
            .unwrap()
        );
        assert!(re(r"(?i)ERROR").find("an error").unwrap());
        assert!(re(r"(?i:E)rror").find("error").unwrap());
        assert!(!re(r"(?i:E)rror").find("eRROR").unwrap());
        assert!(re(r"\h\v").find("\t\n").unwrap());
        assert!(re(r"(?<year>\d{4})-\k<year>").find("2012-2012").unwrap());
    }

    #[test]
    fn backtracking_features_use_fancy_regex() {
        for p in [
            r"(?<=user=)\w+",
            r"foo(?!bar)",
            r"(\w)\1",
            r"a++b",
            r"(?>a|ab)c",
            r"\Gx",
        ] {
            let r = re(p);
            assert!(r.is_backtracking(), "{p}");
        }
        assert!(re(r"(?<=user=)\w+").find("user=bob").unwrap());
        assert!(!re(r"(?<=user=)\w+").find("name=bob").unwrap());
        assert!(re(r"(\w)\1").find("hello").unwrap());
        assert!(!re(r"a++a").find("aaaa").unwrap());
        assert!(!re(r"(?>a|ab)c").find("abc").unwrap());
    }

    #[test]
    fn bad_patterns_are_rejected_with_a_reason() {
        for p in [
            "?&?&&&?&?&?&&&??",
            "(",
            "a)",
            "[a",
            r"\p{InGreek}",
            r"\X",
            r"\y",
            "(?<1a>x)",
            "(?Q)",
            "x{a}",
        ] {
            let e = JavaRegex::new(p).unwrap_err();
            let RegexError::Syntax { pattern, reason } = &e else {
                panic!("{p}: {e:?}");
            };
            assert_eq!(pattern, p);
            assert!(!reason.is_empty());
        }
        let e = JavaRegex::new(r"\p{InGreek}").unwrap_err();
        assert!(e.to_string().contains("block"), "{e}");
    }

    #[test]
    fn replace_all_follows_java() {
        let r = re(r"(\w+)@(\w+)\.com");
        let rep = Replacement::parse("$2 at $1", &r);
        assert_eq!(
            r.replace_all("a@b.com, c@d.com", &rep).unwrap(),
            "b at a, d at c"
        );
        // $10 is $1 then '0' when there is no group 10.
        let rep = Replacement::parse("$10", &r);
        assert_eq!(r.replace_all("a@b.com", &rep).unwrap(), "a0");
        // Escapes.
        let rep = Replacement::parse(r"\$1 \\ x", &r);
        assert_eq!(r.replace_all("a@b.com", &rep).unwrap(), r"$1 \ x");
        // Named groups.
        let r2 = re(r"(?<user>\w+)@");
        let rep = Replacement::parse("${user}#", &r2);
        assert_eq!(r2.replace_all("bob@x", &rep).unwrap(), "bob#x");
        // Errors surface only when something matches.
        let rep = Replacement::parse("$3", &r2);
        assert_eq!(rep.error(), Some("No group 3"));
        assert_eq!(
            r2.replace_all("nothing here", &rep).unwrap(),
            "nothing here"
        );
        assert!(r2.replace_all("bob@x", &rep).is_err());
        assert_eq!(
            Replacement::parse("$", &r2).error(),
            Some("Illegal group reference: group index is missing")
        );
        assert_eq!(
            Replacement::parse("\\", &r2).error(),
            Some("character to be escaped is missing")
        );
        assert_eq!(
            Replacement::parse("${nope}", &r2).error(),
            Some("No group with name {nope}")
        );
        assert_eq!(
            Replacement::parse("$x", &r2).error(),
            Some("Illegal group reference")
        );
        // Empty matches: Java's find loop ("abc".replaceAll("b*", "X") == "XaXXcX").
        let star = re("b*");
        let rep = Replacement::parse("X", &star);
        assert_eq!(star.replace_all("abc", &rep).unwrap(), "XaXXcX");
        // A group that did not take part adds nothing.
        let opt = re("(a)|(b)");
        let rep = Replacement::parse("[$1$2]", &opt);
        assert_eq!(opt.replace_all("ab", &rep).unwrap(), "[a][b]");
    }

    #[test]
    fn split_follows_string_split() {
        let sep = re(r"\s*,\s*");
        assert_eq!(sep.split("a , b,c").unwrap(), vec!["a", "b", "c"]);
        assert_eq!(sep.split("a,b,,").unwrap(), vec!["a", "b"]);
        assert_eq!(sep.split(",a").unwrap(), vec!["", "a"]);
        assert_eq!(sep.split("").unwrap(), vec![""]);
        assert_eq!(sep.split("abc").unwrap(), vec!["abc"]);
        let empty = re("");
        assert_eq!(empty.split("abc").unwrap(), vec!["a", "b", "c"]);
        assert_eq!(
            re(";").split("my-header20, my-header11").unwrap(),
            vec!["my-header20, my-header11"]
        );
    }
}
