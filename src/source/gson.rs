//! How Flume 1.9's `JSONHandler` reads a request: `new Gson().fromJson(reader, List<JSONEvent>)`
//! with Gson 2.2.2, whose `fromJson` reads leniently. Hand-written because no JSON crate
//! accepts exactly what Gson's lenient `JsonReader` does: unquoted and single-quoted names and
//! strings, `//`, `/* */` and `#` comments, `=` and `=>` between name and value, `;` between
//! members and elements, empty array elements as `null`, case-insensitive `null`/`true`/`false`,
//! any escape (`\x` is `x`), the `)]}'` prefix, a leading BOM, any top-level value. What
//! follows the list must be whitespace only: Gson checks it after switching lenient off.
//!
//! The typed reading follows Gson's adapters: the list (`null` or an array of events), each
//! event (`null` or an object; unknown names skipped, a repeated name overrides), `headers` (an
//! object or an array of `[key, value]` pairs; a repeated key with a non-null value is an
//! error), `body` and header values (strings; numbers as written; booleans as `true`/`false`).

/// Why Gson (and so `JSONHandler`) fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GsonError {
    /// `JsonSyntaxException`: Flume answers 400.
    Syntax(String),
    /// Another exception (a `NumberFormatException` from a bad `\u` escape, or the
    /// `NullPointerException` of an empty document or a `null` event): Flume answers 500.
    Internal(String),
}

/// One `JSONEvent` as Gson fills it: `headers` in request order (`None` values are Java nulls).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JsonEvent {
    pub headers: Option<Vec<(String, Option<String>)>>,
    pub body: Option<String>,
}

/// Nesting deeper than this is refused (400) rather than read with unbounded recursion.
const MAX_DEPTH: usize = 256;

/// Read a request the way `gson.fromJson(reader, listType)` does. A `null` list or a `null`
/// event is `Internal` (Flume's loop over the list throws a NullPointerException).
pub fn events(text: &str) -> Result<Vec<JsonEvent>, GsonError> {
    let mut r = Reader::new(text);
    // Gson.fromJson: an EOF before the first token is an empty document (null).
    let first = match r.peek() {
        Ok(t) => t,
        Err(Failure::Eof(_)) => {
            return Err(GsonError::Internal(
                "the request has no JSON document (Gson returns null)".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let list = if first == Tok::Null {
        r.advance()?;
        None
    } else {
        r.begin_array()?;
        let mut list = Vec::new();
        while r.has_next()? {
            list.push(read_event(&mut r)?);
        }
        r.end_array()?;
        Some(list)
    };
    let Some(list) = list else {
        return Err(GsonError::Internal(
            "the request is the JSON literal null, not a list of events".into(),
        ));
    };
    // assertFullConsumption, with lenient switched off again.
    r.lenient = false;
    if r.peek()? != Tok::EndDocument {
        return Err(GsonError::Syntax(
            "JSON document was not fully consumed".into(),
        ));
    }
    list.into_iter()
        .map(|e| {
            e.ok_or_else(|| {
                GsonError::Internal("a null event in the list (NullPointerException)".into())
            })
        })
        .collect()
}

fn read_event(r: &mut Reader) -> Result<Option<JsonEvent>, GsonError> {
    if r.peek()? == Tok::Null {
        r.advance()?;
        return Ok(None);
    }
    r.begin_object()?;
    let mut event = JsonEvent::default();
    while r.has_next()? {
        match r.next_name()?.as_str() {
            "headers" => event.headers = read_headers(r)?,
            "body" => event.body = read_string(r)?,
            _ => r.skip_value()?,
        }
    }
    r.end_object()?;
    Ok(Some(event))
}

type HeaderList = Vec<(String, Option<String>)>;

fn read_headers(r: &mut Reader) -> Result<Option<HeaderList>, GsonError> {
    let mut map: HeaderList = Vec::new();
    fn put(map: &mut HeaderList, key: String, value: Option<String>) -> Result<(), GsonError> {
        match map.iter_mut().find(|(k, _)| *k == key) {
            Some((_, old)) => {
                let replaced = std::mem::replace(old, value);
                if replaced.is_some() {
                    return Err(GsonError::Syntax(format!("duplicate key: {key}")));
                }
            }
            None => map.push((key, value)),
        }
        Ok(())
    }
    match r.peek()? {
        Tok::Null => {
            r.advance()?;
            return Ok(None);
        }
        Tok::BeginArray => {
            r.begin_array()?;
            while r.has_next()? {
                r.begin_array()?;
                let key = read_string(r)?.unwrap_or_else(|| "null".into());
                let value = read_string(r)?;
                put(&mut map, key, value)?;
                r.end_array()?;
            }
            r.end_array()?;
        }
        _ => {
            r.begin_object()?;
            while r.has_next()? {
                let key = r.next_name()?;
                let value = read_string(r)?;
                put(&mut map, key, value)?;
            }
            r.end_object()?;
        }
    }
    Ok(Some(map))
}

/// Gson's `String` adapter.
fn read_string(r: &mut Reader) -> Result<Option<String>, GsonError> {
    match r.peek()? {
        Tok::Null => {
            r.advance()?;
            Ok(None)
        }
        Tok::Bool(b) => {
            r.advance()?;
            Ok(Some(b.to_string()))
        }
        Tok::Str(s) => {
            r.advance()?;
            Ok(Some(s))
        }
        other => Err(GsonError::Syntax(format!(
            "Expected a string but was {}",
            other.name()
        ))),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    BeginArray,
    EndArray,
    BeginObject,
    EndObject,
    Name(String),
    /// A string, a number or an unquoted literal (all read as text).
    Str(String),
    Bool(bool),
    Null,
    EndDocument,
}

impl Tok {
    fn name(&self) -> &'static str {
        match self {
            Tok::BeginArray => "BEGIN_ARRAY",
            Tok::EndArray => "END_ARRAY",
            Tok::BeginObject => "BEGIN_OBJECT",
            Tok::EndObject => "END_OBJECT",
            Tok::Name(_) => "NAME",
            Tok::Str(_) => "STRING",
            Tok::Bool(_) => "BOOLEAN",
            Tok::Null => "NULL",
            Tok::EndDocument => "END_DOCUMENT",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    EmptyDocument,
    NonEmptyDocument,
    EmptyArray,
    NonEmptyArray,
    EmptyObject,
    DanglingName,
    NonEmptyObject,
}

/// Reader failures: an end of input (Gson's `EOFException`) is told apart because an EOF
/// before the first token means an empty document.
#[derive(Debug)]
enum Failure {
    Eof(String),
    Malformed(String),
    BadEscape(String),
}

impl From<Failure> for GsonError {
    fn from(f: Failure) -> GsonError {
        match f {
            Failure::Eof(m) | Failure::Malformed(m) => {
                GsonError::Syntax(format!("Request has invalid JSON Syntax: {m}"))
            }
            Failure::BadEscape(m) => GsonError::Internal(format!("NumberFormatException: {m}")),
        }
    }
}

struct Reader {
    chars: Vec<char>,
    pos: usize,
    stack: Vec<Scope>,
    token: Option<Tok>,
    lenient: bool,
}

const NON_EXECUTE_PREFIX: &[char] = &[')', ']', '}', '\'', '\n'];

impl Reader {
    fn new(text: &str) -> Reader {
        let mut chars: Vec<char> = text.chars().collect();
        if chars.first() == Some(&'\u{feff}') {
            chars.remove(0);
        }
        Reader {
            chars,
            pos: 0,
            stack: vec![Scope::EmptyDocument],
            token: None,
            lenient: true,
        }
    }

    fn malformed(&self, what: &str) -> Failure {
        Failure::Malformed(format!("{what} at character {}", self.pos))
    }

    fn check_lenient(&self) -> Result<(), Failure> {
        if self.lenient {
            Ok(())
        } else {
            Err(self.malformed("Use JsonReader.setLenient(true) to accept malformed JSON"))
        }
    }

    fn top(&mut self) -> &mut Scope {
        let last = self.stack.len() - 1;
        &mut self.stack[last]
    }

    fn peek(&mut self) -> Result<Tok, Failure> {
        if let Some(t) = &self.token {
            return Ok(t.clone());
        }
        let t = match *self.top() {
            Scope::EmptyDocument => {
                if self.lenient {
                    self.consume_non_execute_prefix()?;
                }
                *self.top() = Scope::NonEmptyDocument;
                self.next_value()?
            }
            Scope::EmptyArray => self.next_in_array(true)?,
            Scope::NonEmptyArray => self.next_in_array(false)?,
            Scope::EmptyObject => self.next_in_object(true)?,
            Scope::DanglingName => self.object_value()?,
            Scope::NonEmptyObject => self.next_in_object(false)?,
            Scope::NonEmptyDocument => match self.next_non_whitespace(false)? {
                None => Tok::EndDocument,
                Some(_) => {
                    self.pos -= 1;
                    if !self.lenient {
                        return Err(self.malformed("Expected EOF"));
                    }
                    self.next_value()?
                }
            },
        };
        self.token = Some(t.clone());
        Ok(t)
    }

    fn advance(&mut self) -> Result<Tok, Failure> {
        let t = self.peek()?;
        self.token = None;
        Ok(t)
    }

    fn expect(&mut self, want: Tok) -> Result<(), GsonError> {
        let got = self.peek()?;
        if got != want {
            return Err(GsonError::Syntax(format!(
                "Expected {} but was {}",
                want.name(),
                got.name()
            )));
        }
        self.advance()?;
        Ok(())
    }

    fn begin_array(&mut self) -> Result<(), GsonError> {
        self.expect(Tok::BeginArray)
    }

    fn end_array(&mut self) -> Result<(), GsonError> {
        self.expect(Tok::EndArray)
    }

    fn begin_object(&mut self) -> Result<(), GsonError> {
        self.expect(Tok::BeginObject)
    }

    fn end_object(&mut self) -> Result<(), GsonError> {
        self.expect(Tok::EndObject)
    }

    fn has_next(&mut self) -> Result<bool, GsonError> {
        let t = self.peek()?;
        Ok(t != Tok::EndObject && t != Tok::EndArray)
    }

    fn next_name(&mut self) -> Result<String, GsonError> {
        match self.peek()? {
            Tok::Name(n) => {
                self.advance()?;
                Ok(n)
            }
            other => Err(GsonError::Syntax(format!(
                "Expected a name but was {}",
                other.name()
            ))),
        }
    }

    /// `skipValue`: the next value with everything nested in it.
    fn skip_value(&mut self) -> Result<(), GsonError> {
        let mut depth = 0i64;
        loop {
            match self.advance()? {
                Tok::BeginArray | Tok::BeginObject => depth += 1,
                Tok::EndArray | Tok::EndObject => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                return Ok(());
            }
        }
    }

    fn push(&mut self, scope: Scope) -> Result<(), Failure> {
        if self.stack.len() > MAX_DEPTH {
            return Err(self.malformed("nesting too deep"));
        }
        self.stack.push(scope);
        Ok(())
    }

    fn consume_non_execute_prefix(&mut self) -> Result<(), Failure> {
        if self.next_non_whitespace(true)?.is_some() {
            self.pos -= 1;
        }
        if self.chars[self.pos..].starts_with(NON_EXECUTE_PREFIX) {
            self.pos += NON_EXECUTE_PREFIX.len();
        }
        Ok(())
    }

    fn next_in_array(&mut self, first: bool) -> Result<Tok, Failure> {
        if first {
            *self.top() = Scope::NonEmptyArray;
        } else {
            match self.next_char()? {
                ']' => {
                    self.stack.pop();
                    return Ok(Tok::EndArray);
                }
                ';' => self.check_lenient()?,
                ',' => {}
                _ => return Err(self.malformed("Unterminated array")),
            }
        }
        match self.next_char()? {
            ']' if first => {
                self.stack.pop();
                Ok(Tok::EndArray)
            }
            // An empty element is null in lenient mode.
            ']' | ';' | ',' => {
                self.check_lenient()?;
                self.pos -= 1;
                Ok(Tok::Null)
            }
            _ => {
                self.pos -= 1;
                self.next_value()
            }
        }
    }

    fn next_in_object(&mut self, first: bool) -> Result<Tok, Failure> {
        if first {
            if self.next_char()? == '}' {
                self.stack.pop();
                return Ok(Tok::EndObject);
            }
            self.pos -= 1;
        } else {
            match self.next_char()? {
                '}' => {
                    self.stack.pop();
                    return Ok(Tok::EndObject);
                }
                ';' | ',' => {}
                _ => return Err(self.malformed("Unterminated object")),
            }
        }
        let quote = self.next_char()?;
        let name = match quote {
            '\'' | '"' => {
                if quote == '\'' {
                    self.check_lenient()?;
                }
                self.quoted(quote)?
            }
            _ => {
                self.check_lenient()?;
                self.pos -= 1;
                let name = self.literal()?;
                if name.is_empty() {
                    return Err(self.malformed("Expected name"));
                }
                name
            }
        };
        *self.top() = Scope::DanglingName;
        Ok(Tok::Name(name))
    }

    fn object_value(&mut self) -> Result<Tok, Failure> {
        match self.next_char()? {
            ':' => {}
            '=' => {
                self.check_lenient()?;
                if self.chars.get(self.pos) == Some(&'>') {
                    self.pos += 1;
                }
            }
            _ => return Err(self.malformed("Expected ':'")),
        }
        *self.top() = Scope::NonEmptyObject;
        self.next_value()
    }

    fn next_value(&mut self) -> Result<Tok, Failure> {
        let c = self.next_char()?;
        match c {
            '{' => {
                self.push(Scope::EmptyObject)?;
                Ok(Tok::BeginObject)
            }
            '[' => {
                self.push(Scope::EmptyArray)?;
                Ok(Tok::BeginArray)
            }
            '\'' | '"' => {
                if c == '\'' {
                    self.check_lenient()?;
                }
                Ok(Tok::Str(self.quoted(c)?))
            }
            _ => {
                self.pos -= 1;
                let literal = self.literal()?;
                if literal.is_empty() {
                    return Err(self.malformed("Expected literal value"));
                }
                let token = if literal.eq_ignore_ascii_case("null") {
                    Tok::Null
                } else if literal.eq_ignore_ascii_case("true") {
                    Tok::Bool(true)
                } else if literal.eq_ignore_ascii_case("false") {
                    Tok::Bool(false)
                } else {
                    // A number or an unquoted string: both read back as their text.
                    if !is_json_number(&literal) {
                        self.check_lenient()?;
                    }
                    Tok::Str(literal)
                };
                Ok(token)
            }
        }
    }

    /// The next non-whitespace character (an EOF is an error).
    fn next_char(&mut self) -> Result<char, Failure> {
        match self.next_non_whitespace(true)? {
            Some(c) => Ok(c),
            None => Err(Failure::Eof(format!(
                "End of input at character {}",
                self.pos
            ))),
        }
    }

    /// Skip spaces, tabs, line breaks and comments; consume and return the next character.
    fn next_non_whitespace(&mut self, throw_on_eof: bool) -> Result<Option<char>, Failure> {
        while let Some(&c) = self.chars.get(self.pos) {
            self.pos += 1;
            match c {
                '\t' | ' ' | '\n' | '\r' => continue,
                '/' => {
                    let Some(&next) = self.chars.get(self.pos) else {
                        return Ok(Some(c));
                    };
                    self.check_lenient()?;
                    match next {
                        '*' => {
                            self.pos += 1;
                            let rest = &self.chars[self.pos..];
                            let Some(end) = rest.windows(2).position(|w| w == ['*', '/']) else {
                                return Err(self.malformed("Unterminated comment"));
                            };
                            self.pos += end + 2;
                        }
                        '/' => {
                            self.pos += 1;
                            self.skip_to_end_of_line();
                        }
                        _ => return Ok(Some(c)),
                    }
                }
                '#' => {
                    self.check_lenient()?;
                    self.skip_to_end_of_line();
                }
                _ => return Ok(Some(c)),
            }
        }
        if throw_on_eof {
            Err(Failure::Eof(format!(
                "End of input at character {}",
                self.pos
            )))
        } else {
            Ok(None)
        }
    }

    fn skip_to_end_of_line(&mut self) {
        while let Some(&c) = self.chars.get(self.pos) {
            self.pos += 1;
            if c == '\r' || c == '\n' {
                break;
            }
        }
    }

    /// A quoted string after its opening `quote`, escapes decoded as Java `char`s.
    fn quoted(&mut self, quote: char) -> Result<String, Failure> {
        let mut units: Vec<u16> = Vec::new();
        loop {
            let Some(&c) = self.chars.get(self.pos) else {
                return Err(self.malformed("Unterminated string"));
            };
            self.pos += 1;
            if c == quote {
                return Ok(char::decode_utf16(units)
                    .map(|r| r.unwrap_or('?'))
                    .collect());
            }
            if c != '\\' {
                let mut buf = [0u16; 2];
                units.extend_from_slice(c.encode_utf16(&mut buf));
                continue;
            }
            let Some(&escaped) = self.chars.get(self.pos) else {
                return Err(self.malformed("Unterminated escape sequence"));
            };
            self.pos += 1;
            let unit = match escaped {
                'u' => {
                    let Some(hex) = self.chars.get(self.pos..self.pos + 4) else {
                        return Err(self.malformed("Unterminated escape sequence"));
                    };
                    let hex: String = hex.iter().collect();
                    let value = u16::from_str_radix(&hex, 16)
                        .ok()
                        .filter(|_| hex.chars().all(|h| h.is_ascii_hexdigit()))
                        .ok_or_else(|| Failure::BadEscape(format!("\\u{hex}")))?;
                    self.pos += 4;
                    value
                }
                't' => '\t' as u16,
                'b' => 0x08,
                'n' => '\n' as u16,
                'r' => '\r' as u16,
                'f' => 0x0c,
                other => {
                    let mut buf = [0u16; 2];
                    units.extend_from_slice(other.encode_utf16(&mut buf));
                    continue;
                }
            };
            units.push(unit);
        }
    }

    /// An unquoted literal: everything up to a structural character, whitespace or the end.
    fn literal(&mut self) -> Result<String, Failure> {
        let start = self.pos;
        while let Some(&c) = self.chars.get(self.pos) {
            match c {
                '/' | '\\' | ';' | '#' | '=' => {
                    self.check_lenient()?;
                    break;
                }
                '{' | '}' | '[' | ']' | ':' | ',' | ' ' | '\t' | '\u{c}' | '\r' | '\n' => break,
                _ => self.pos += 1,
            }
        }
        Ok(self.chars[start..self.pos].iter().collect())
    }
}

/// Gson's `decodeNumber`: a JSON number (an unquoted literal that is not one is a string).
fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        digits(&mut i);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}
