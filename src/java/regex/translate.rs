//! Translation of a Java pattern (`java.util.regex.Pattern` syntax) into Rust `regex` /
//! `fancy-regex` syntax with Java's meaning; what is kept and what differs is listed in
//! [`super`].

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Flags {
    case_insensitive: bool,
    multiline: bool,
    dotall: bool,
    comments: bool,
    unix_lines: bool,
    unicode_class: bool,
}

pub(super) struct Translation {
    pub(super) fast: String,
    pub(super) exact: String,
    pub(super) fancy: bool,
    pub(super) line_anchors: bool,
    pub(super) groups: usize,
    pub(super) names: Vec<(String, usize)>,
}

struct Translator {
    chars: Vec<char>,
    i: usize,
    fast: String,
    exact: String,
    flags: Flags,
    stack: Vec<Flags>,
    fancy: bool,
    line_anchors: bool,
    groups: usize,
    names: Vec<(String, usize)>,
}

const TERMINATORS: &str = r"\n\r\x{85}\x{2028}\x{2029}";

pub(super) fn translate(pattern: &str) -> Result<Translation, String> {
    let mut t = Translator {
        chars: pattern.chars().collect(),
        i: 0,
        fast: String::with_capacity(pattern.len() + 16),
        exact: String::new(),
        flags: Flags::default(),
        stack: Vec::new(),
        fancy: false,
        line_anchors: false,
        groups: 0,
        names: Vec::new(),
    };
    t.run()?;
    Ok(Translation {
        fast: t.fast,
        exact: t.exact,
        fancy: t.fancy,
        line_anchors: t.line_anchors,
        groups: t.groups,
        names: t.names,
    })
}

/// Characters the Rust engines treat as syntax; escaped when Java means them literally.
fn is_rust_meta(c: char) -> bool {
    matches!(
        c,
        '\\' | '.'
            | '+'
            | '*'
            | '?'
            | '('
            | ')'
            | '|'
            | '['
            | ']'
            | '{'
            | '}'
            | '^'
            | '$'
            | '#'
            | '&'
            | '-'
            | '~'
    )
}

fn push_literal(out: &mut String, c: char) {
    if is_rust_meta(c) {
        out.push('\\');
        out.push(c);
    } else if c.is_whitespace() || c.is_control() {
        out.push_str(&format!("\\x{{{:X}}}", c as u32));
    } else {
        out.push(c);
    }
}

/// A class body (without brackets) for the ASCII classes and POSIX names.
fn posix_body(name: &str) -> Option<&'static str> {
    Some(match name {
        "Lower" => "a-z",
        "Upper" => "A-Z",
        "ASCII" => r"\x00-\x7F",
        "Alpha" => "a-zA-Z",
        "Digit" => "0-9",
        "Alnum" => "a-zA-Z0-9",
        "Punct" => r"!-/:-@\[-`\{-\~",
        "Graph" => r"!-\~",
        "Print" => r"\x20-\x7E",
        "Blank" => r"\x20\t",
        "Cntrl" => r"\x00-\x1F\x7F",
        "XDigit" => "0-9a-fA-F",
        "Space" => r"\x20\t\n\x0B\f\r",
        _ => return None,
    })
}

/// How a class escape is written: a class body that can be inlined, or a whole expression.
enum ClassExpr {
    /// Items to put inside `[...]` (or `[^...]` when negated).
    Body(String, bool),
    /// A Rust expression valid both inside and outside a class (`\p{L}`).
    Atom(String),
}

impl ClassExpr {
    fn outside(&self) -> String {
        match self {
            ClassExpr::Body(b, false) => format!("[{b}]"),
            ClassExpr::Body(b, true) => format!("[^{b}]"),
            ClassExpr::Atom(a) => a.clone(),
        }
    }

    fn inside(&self) -> String {
        match self {
            ClassExpr::Body(b, false) => b.clone(),
            ClassExpr::Body(b, true) => format!("[^{b}]"),
            ClassExpr::Atom(a) => a.clone(),
        }
    }
}

impl Translator {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.chars.get(self.i + n).copied()
    }

    fn emit(&mut self, s: &str) {
        self.fast.push_str(s);
        self.exact.push_str(s);
    }

    fn emit_char(&mut self, c: char) {
        self.fast.push(c);
        self.exact.push(c);
    }

    fn emit_literal(&mut self, c: char) {
        push_literal(&mut self.fast, c);
        push_literal(&mut self.exact, c);
    }

    fn err(&self, what: &str) -> String {
        format!("{what} near index {}", self.i)
    }

    fn run(&mut self) -> Result<(), String> {
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                '\\' => {
                    let s = self.escape(false)?;
                    self.emit_outside(s);
                }
                '[' => {
                    let class = self.class()?;
                    self.emit(&class);
                }
                '(' => self.open_group()?,
                ')' => {
                    match self.stack.pop() {
                        Some(f) => self.flags = f,
                        None => return Err(self.err("Unmatched closing ')'")),
                    }
                    self.emit_char(')');
                }
                '.' => {
                    let dot = if self.flags.dotall {
                        "(?s:.)".to_string()
                    } else if self.flags.unix_lines {
                        r"[^\n]".to_string()
                    } else {
                        format!("[^{TERMINATORS}]")
                    };
                    self.emit(&dot);
                }
                '^' => {
                    if self.flags.multiline {
                        self.line_anchors = true;
                        self.fast.push_str("(?m:^)");
                        if self.flags.unix_lines {
                            self.exact.push_str(r"(?:\A|(?<=\n)(?!\z))");
                        } else {
                            self.exact.push_str(
                                r"(?:\A|(?<=[\n\x{85}\x{2028}\x{2029}])(?!\z)|(?<=\r)(?!\n)(?!\z))",
                            );
                        }
                    } else {
                        self.emit("^");
                    }
                }
                '$' => self.dollar(),
                '*' | '+' | '?' => {
                    self.emit_char(c);
                    self.quantifier_suffix();
                }
                '{' => {
                    // A repetition: copy up to the closing brace.
                    let mut body = String::from("{");
                    loop {
                        match self.peek() {
                            Some('}') => {
                                self.i += 1;
                                body.push('}');
                                break;
                            }
                            Some(d) if d.is_ascii_digit() || d == ',' => {
                                self.i += 1;
                                body.push(d);
                            }
                            _ => return Err(self.err("Illegal repetition")),
                        }
                    }
                    if body == "{}" || body.starts_with("{,") {
                        return Err(self.err("Illegal repetition"));
                    }
                    self.emit(&body);
                    self.quantifier_suffix();
                }
                c if self.flags.comments && c.is_whitespace() => {}
                '#' if self.flags.comments => {
                    while let Some(c) = self.peek() {
                        self.i += 1;
                        if c == '\n' {
                            break;
                        }
                    }
                }
                '|' => self.emit_char('|'),
                other => self.emit_literal(other),
            }
        }
        if !self.stack.is_empty() {
            return Err(self.err("Unclosed group"));
        }
        Ok(())
    }

    /// `?` (lazy) or `+` (possessive) after a quantifier.
    fn quantifier_suffix(&mut self) {
        match self.peek() {
            Some('?') => {
                self.i += 1;
                self.emit_char('?');
            }
            Some('+') => {
                self.i += 1;
                self.fancy = true;
                self.emit_char('+');
            }
            _ => {}
        }
    }

    fn dollar(&mut self) {
        self.line_anchors = true;
        if self.flags.multiline {
            self.fast.push_str("(?m:$)");
            if self.flags.unix_lines {
                self.exact.push_str(r"(?=\n|\z)");
            } else {
                self.exact
                    .push_str(r"(?:(?=[\r\x{85}\x{2028}\x{2029}])|(?<!\r)(?=\n)|\z)");
            }
        } else {
            self.fast.push('$');
            self.exact.push_str(&end_anchor(self.flags.unix_lines));
        }
    }

    fn emit_outside(&mut self, piece: Piece2) {
        match piece {
            Piece2::Same(s) => self.emit(&s),
            Piece2::Dual { fast, exact } => {
                self.line_anchors = true;
                self.fast.push_str(&fast);
                self.exact.push_str(&exact);
            }
        }
    }

    fn open_group(&mut self) -> Result<(), String> {
        self.stack.push(self.flags);
        if self.peek() != Some('?') {
            self.groups += 1;
            self.emit_char('(');
            return Ok(());
        }
        self.i += 1;
        match self.peek() {
            Some(':') => {
                self.i += 1;
                self.emit("(?:");
            }
            Some('=') | Some('!') => {
                let c = self.peek().unwrap_or('=');
                self.i += 1;
                self.fancy = true;
                self.emit("(?");
                self.emit_char(c);
            }
            Some('>') => {
                self.i += 1;
                self.fancy = true;
                self.emit("(?>");
            }
            Some('<') => {
                self.i += 1;
                match self.peek() {
                    Some('=') | Some('!') => {
                        let c = self.peek().unwrap_or('=');
                        self.i += 1;
                        self.fancy = true;
                        self.emit("(?<");
                        self.emit_char(c);
                    }
                    Some(c) if c.is_ascii_alphabetic() => {
                        let mut name = String::new();
                        while let Some(c) = self.peek() {
                            if c.is_ascii_alphanumeric() {
                                name.push(c);
                                self.i += 1;
                            } else {
                                break;
                            }
                        }
                        if self.peek() != Some('>') {
                            return Err(self.err("named capturing group is missing trailing '>'"));
                        }
                        self.i += 1;
                        if self.names.iter().any(|(n, _)| *n == name) {
                            return Err(self.err(&format!(
                                "Named capturing group <{name}> is already defined"
                            )));
                        }
                        self.groups += 1;
                        self.names.push((name.clone(), self.groups));
                        self.emit(&format!("(?<{name}>"));
                    }
                    _ => {
                        return Err(
                            self.err("capturing group name does not start with a Latin letter")
                        );
                    }
                }
            }
            _ => {
                // Embedded flags: (?idmsuxU-idmsuxU) or (?flags:X)
                let before = self.flags;
                let mut on = true;
                loop {
                    let Some(c) = self.peek() else {
                        return Err(self.err("Unknown inline modifier"));
                    };
                    self.i += 1;
                    let flag = match c {
                        '-' => {
                            on = false;
                            continue;
                        }
                        ')' | ':' => {
                            let i_changed = self.flags.case_insensitive != before.case_insensitive;
                            let i_part = if !i_changed {
                                ""
                            } else if self.flags.case_insensitive {
                                "i"
                            } else {
                                "-i"
                            };
                            if c == ')' {
                                // Applies to the rest of the enclosing group.
                                let flags = self.flags;
                                self.stack.pop();
                                self.flags = flags;
                                if !i_part.is_empty() {
                                    self.emit(&format!("(?{i_part})"));
                                }
                            } else {
                                self.emit(&format!("(?{i_part}:"));
                            }
                            return Ok(());
                        }
                        'i' => &mut self.flags.case_insensitive,
                        'm' => &mut self.flags.multiline,
                        's' => &mut self.flags.dotall,
                        'x' => &mut self.flags.comments,
                        'd' => &mut self.flags.unix_lines,
                        'U' => &mut self.flags.unicode_class,
                        // UNICODE_CASE: Rust's case folding is always Unicode.
                        'u' => continue,
                        _ => return Err(self.err("Unknown inline modifier")),
                    };
                    *flag = on;
                }
            }
        }
        Ok(())
    }

    fn read_hex(&mut self, n: usize) -> Result<u32, String> {
        let mut v = 0u32;
        for _ in 0..n {
            let d = self
                .peek()
                .and_then(|c| c.to_digit(16))
                .ok_or_else(|| self.err("Illegal hexadecimal escape sequence"))?;
            v = v * 16 + d;
            self.i += 1;
        }
        Ok(v)
    }

    fn char_from(&self, v: u32) -> Result<char, String> {
        char::from_u32(v)
            .ok_or_else(|| self.err("Illegal character code (surrogate or out of range)"))
    }

    /// A literal character produced by an escape, if the escape at the cursor is one.
    fn escaped_char(&mut self, c: char) -> Result<Option<char>, String> {
        Ok(Some(match c {
            't' => '\t',
            'n' => '\n',
            'r' => '\r',
            'f' => '\u{0C}',
            'a' => '\u{07}',
            'e' => '\u{1B}',
            '0' => {
                // \0n, \0nn, \0mnn (m <= 3)
                let mut v = 0u32;
                let mut digits = 0;
                while digits < 3 {
                    let Some(d) = self.peek().and_then(|c| c.to_digit(8)) else {
                        break;
                    };
                    if digits == 2 && v > 0o37 {
                        break;
                    }
                    v = v * 8 + d;
                    self.i += 1;
                    digits += 1;
                }
                if digits == 0 {
                    return Err(self.err("Illegal octal escape sequence"));
                }
                self.char_from(v)?
            }
            'x' => {
                if self.peek() == Some('{') {
                    self.i += 1;
                    let mut v = 0u32;
                    let mut n = 0;
                    while let Some(d) = self.peek().and_then(|c| c.to_digit(16)) {
                        v = v.saturating_mul(16).saturating_add(d);
                        self.i += 1;
                        n += 1;
                    }
                    if n == 0 || self.peek() != Some('}') {
                        return Err(self.err("Unclosed hexadecimal escape sequence"));
                    }
                    self.i += 1;
                    self.char_from(v)?
                } else {
                    let v = self.read_hex(2)?;
                    self.char_from(v)?
                }
            }
            'u' => {
                let v = self.read_hex(4)?;
                if (0xD800..0xDC00).contains(&v)
                    && self.peek() == Some('\\')
                    && self.peek_at(1) == Some('u')
                {
                    // A surrogate pair written as two escapes.
                    let save = self.i;
                    self.i += 2;
                    match self.read_hex(4) {
                        Ok(lo) if (0xDC00..0xE000).contains(&lo) => {
                            let cp = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
                            self.char_from(cp)?
                        }
                        _ => {
                            self.i = save;
                            self.char_from(v)?
                        }
                    }
                } else {
                    self.char_from(v)?
                }
            }
            'c' => {
                let x = self
                    .peek()
                    .ok_or_else(|| self.err("Illegal control escape sequence"))?;
                self.i += 1;
                self.char_from(x as u32 ^ 64)?
            }
            c if !c.is_ascii_alphanumeric() => c,
            _ => return Ok(None),
        }))
    }

    /// A class escape (`\d`, `\p{Alpha}`, …) at the cursor, if it is one.
    fn class_escape(&mut self, c: char) -> Result<Option<ClassExpr>, String> {
        let unicode = self.flags.unicode_class;
        Ok(Some(match c {
            'd' | 'D' | 'w' | 'W' | 's' | 'S' if unicode => ClassExpr::Atom(format!("\\{c}")),
            'd' => ClassExpr::Body("0-9".into(), false),
            'D' => ClassExpr::Body("0-9".into(), true),
            'w' => ClassExpr::Body("a-zA-Z_0-9".into(), false),
            'W' => ClassExpr::Body("a-zA-Z_0-9".into(), true),
            's' => ClassExpr::Body(r"\x20\t\n\x0B\f\r".into(), false),
            'S' => ClassExpr::Body(r"\x20\t\n\x0B\f\r".into(), true),
            'h' | 'H' => ClassExpr::Body(
                r"\x20\t\xA0\x{1680}\x{180E}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}".into(),
                c == 'H',
            ),
            'v' | 'V' => ClassExpr::Body(r"\n\x0B\f\r\x{85}\x{2028}\x{2029}".into(), c == 'V'),
            'p' | 'P' => {
                let negated = c == 'P';
                let name = if self.peek() == Some('{') {
                    self.i += 1;
                    let mut name = String::new();
                    loop {
                        match self.peek() {
                            Some('}') => {
                                self.i += 1;
                                break;
                            }
                            Some(ch) => {
                                name.push(ch);
                                self.i += 1;
                            }
                            None => return Err(self.err("Unclosed character family")),
                        }
                    }
                    name
                } else {
                    let ch = self
                        .peek()
                        .ok_or_else(|| self.err("Illegal character family"))?;
                    self.i += 1;
                    ch.to_string()
                };
                self.property(&name, negated)?
            }
            _ => return Ok(None),
        }))
    }

    fn property(&self, name: &str, negated: bool) -> Result<ClassExpr, String> {
        let p = if negated { 'P' } else { 'p' };
        if let Some(body) = posix_body(name) {
            return Ok(ClassExpr::Body(body.into(), negated));
        }
        let java = |rust: &str| -> ClassExpr {
            if negated {
                ClassExpr::Body(rust.to_string(), true)
            } else {
                ClassExpr::Body(rust.to_string(), false)
            }
        };
        let mapped = match name {
            "javaLowerCase" => Some(java(r"\p{Lowercase}")),
            "javaUpperCase" => Some(java(r"\p{Uppercase}")),
            "javaAlphabetic" => Some(java(r"\p{Alphabetic}")),
            "javaIdeographic" => Some(java(r"\p{Ideographic}")),
            "javaTitleCase" => Some(java(r"\p{Lt}")),
            "javaDigit" => Some(java(r"\p{Nd}")),
            "javaLetter" => Some(java(r"\p{L}")),
            "javaLetterOrDigit" => Some(java(r"\p{L}\p{Nd}")),
            "javaSpaceChar" => Some(java(r"\p{Zs}\p{Zl}\p{Zp}")),
            "javaDefined" => Some(java(r"\P{Cn}")),
            "javaISOControl" => Some(java(r"\x00-\x1F\x7F-\x{9F}")),
            "javaWhitespace" => Some(java(
                r"\t\n\x0B\f\r\x1C-\x1F[\p{Zs}\p{Zl}\p{Zp}--[\xA0\x{2007}\x{202F}]]",
            )),
            "all" => Some(java(r"\x00-\x{10FFFF}")),
            _ => None,
        };
        if let Some(m) = mapped {
            return Ok(m);
        }
        if name.starts_with("java") {
            return Err(self.err(&format!(
                "Unknown character property name {{{name}}} (not supported by flume-rs)"
            )));
        }
        if name.starts_with("In") || name.starts_with("block=") || name.starts_with("blk=") {
            return Err(self.err(&format!(
                "Unicode block property \\{p}{{{name}}} is not supported by the Rust regex engines"
            )));
        }
        let rust_name = name
            .strip_prefix("Is")
            .unwrap_or(name)
            .replacen("general_category=", "gc=", 1)
            .replacen("script=", "sc=", 1);
        let atom = format!("\\{p}{{{rust_name}}}");
        // Let the Rust parser judge the name now, for a clear error.
        regex_syntax_check(&atom)
            .map_err(|e| self.err(&format!("Unknown character property name {{{name}}}: {e}")))?;
        Ok(ClassExpr::Atom(atom))
    }

    /// An escape outside a character class; the backslash is consumed.
    fn escape(&mut self, in_class: bool) -> Result<Piece2, String> {
        let Some(c) = self.peek() else {
            return Err(self.err("Unexpected internal error (trailing backslash)"));
        };
        self.i += 1;
        if let Some(ce) = self.class_escape(c)? {
            return Ok(Piece2::Same(if in_class {
                ce.inside()
            } else {
                ce.outside()
            }));
        }
        if c == 'Q' {
            let mut out = String::new();
            loop {
                match (self.peek(), self.peek_at(1)) {
                    (Some('\\'), Some('E')) => {
                        self.i += 2;
                        break;
                    }
                    (Some(ch), _) => {
                        self.i += 1;
                        push_literal(&mut out, ch);
                    }
                    (None, _) => break,
                }
            }
            return Ok(Piece2::Same(out));
        }
        if !in_class {
            match c {
                'b' | 'B' | 'A' | 'z' => return Ok(Piece2::Same(format!("\\{c}"))),
                'G' => {
                    self.fancy = true;
                    return Ok(Piece2::Same(r"\G".into()));
                }
                'Z' => {
                    return Ok(Piece2::Dual {
                        fast: r"\z".into(),
                        exact: end_anchor(self.flags.unix_lines),
                    });
                }
                'R' => {
                    self.fancy = true;
                    return Ok(Piece2::Same(
                        r"(?>\r\n|[\n\x0B\f\r\x{85}\x{2028}\x{2029}])".into(),
                    ));
                }
                'k' => {
                    if self.peek() != Some('<') {
                        return Err(
                            self.err("\\k is not followed by '<' for named capturing group")
                        );
                    }
                    let mut name = String::new();
                    self.i += 1;
                    while let Some(ch) = self.peek() {
                        self.i += 1;
                        if ch == '>' {
                            break;
                        }
                        name.push(ch);
                    }
                    if !self.names.iter().any(|(n, _)| *n == name) {
                        return Err(
                            self.err(&format!("named capturing group <{name}> does not exist"))
                        );
                    }
                    self.fancy = true;
                    return Ok(Piece2::Same(format!("\\k<{name}>")));
                }
                '1'..='9' => {
                    // Back reference: more digits only while such a group exists.
                    let mut n = c.to_digit(10).unwrap_or(1) as usize;
                    while let Some(d) = self.peek().and_then(|ch| ch.to_digit(10)) {
                        let bigger = n * 10 + d as usize;
                        if bigger > self.groups {
                            break;
                        }
                        n = bigger;
                        self.i += 1;
                    }
                    self.fancy = true;
                    return Ok(Piece2::Same(format!("\\{n}")));
                }
                _ => {}
            }
        }
        match self.escaped_char(c)? {
            Some(ch) => {
                let mut s = String::new();
                push_literal(&mut s, ch);
                Ok(Piece2::Same(s))
            }
            None => {
                match c {
                    'X' => Err(self
                        .err("\\X (grapheme cluster) is not supported by the Rust regex engines")),
                    'N' => Err(self.err("\\N{name} is not supported by flume-rs")),
                    _ => Err(self.err("Illegal/unsupported escape sequence")),
                }
            }
        }
    }

    /// A character class; the `[` is consumed. Returns the Rust class.
    fn class(&mut self) -> Result<String, String> {
        let mut out = String::from("[");
        if self.peek() == Some('^') {
            self.i += 1;
            out.push('^');
        }
        let mut first = true;
        loop {
            let Some(c) = self.peek() else {
                return Err(self.err("Unclosed character class"));
            };
            if self.flags.comments && c.is_whitespace() {
                self.i += 1;
                continue;
            }
            match c {
                ']' if !first => {
                    self.i += 1;
                    out.push(']');
                    return Ok(out);
                }
                '[' => {
                    self.i += 1;
                    let nested = self.class()?;
                    out.push_str(&nested);
                }
                '&' if self.peek_at(1) == Some('&') => {
                    self.i += 2;
                    out.push_str("&&");
                }
                _ => {
                    // A single item, maybe the start of a range.
                    let start = self.class_atom()?;
                    match start {
                        ClassAtom::Expr(e) => out.push_str(&e),
                        ClassAtom::Char(lo) => {
                            if self.peek() == Some('-')
                                && self.peek_at(1).is_some_and(|n| n != ']' && n != '[')
                            {
                                self.i += 1;
                                match self.class_atom()? {
                                    ClassAtom::Char(hi) => {
                                        if hi < lo {
                                            return Err(self.err("Illegal character range"));
                                        }
                                        push_literal(&mut out, lo);
                                        out.push('-');
                                        push_literal(&mut out, hi);
                                    }
                                    ClassAtom::Expr(_) => {
                                        return Err(self.err("Illegal character range"));
                                    }
                                }
                            } else {
                                push_literal(&mut out, lo);
                            }
                        }
                    }
                }
            }
            first = false;
        }
    }

    fn class_atom(&mut self) -> Result<ClassAtom, String> {
        let Some(c) = self.peek() else {
            return Err(self.err("Unclosed character class"));
        };
        self.i += 1;
        if c != '\\' {
            return Ok(ClassAtom::Char(c));
        }
        let Some(e) = self.peek() else {
            return Err(self.err("Unclosed character class"));
        };
        if e == 'Q' {
            self.i += 1;
            let mut out = String::new();
            loop {
                match (self.peek(), self.peek_at(1)) {
                    (Some('\\'), Some('E')) => {
                        self.i += 2;
                        break;
                    }
                    (Some(ch), _) => {
                        self.i += 1;
                        push_literal(&mut out, ch);
                    }
                    (None, _) => break,
                }
            }
            return Ok(ClassAtom::Expr(out));
        }
        self.i += 1;
        if let Some(ce) = self.class_escape(e)? {
            return Ok(ClassAtom::Expr(ce.inside()));
        }
        match self.escaped_char(e)? {
            Some(ch) => Ok(ClassAtom::Char(ch)),
            None => Err(self.err("Illegal/unsupported escape sequence")),
        }
    }
}

enum ClassAtom {
    Char(char),
    Expr(String),
}

/// What an escape becomes: the same text for both engines, or a fast form and an exact
/// (lookaround) form for line-sensitive anchors.
enum Piece2 {
    Same(String),
    Dual { fast: String, exact: String },
}

/// Java's `$` / `\Z` outside multiline mode: end of input, or before a final line terminator.
fn end_anchor(unix_lines: bool) -> String {
    if unix_lines {
        r"(?=\n?\z)".into()
    } else {
        r"(?:(?=\r\n\z)|(?<!\r)(?=\n\z)|(?=[\r\x{85}\x{2028}\x{2029}]\z)|\z)".into()
    }
}

/// The reason line of a `regex` crate error ("error: …").
pub(super) fn rust_reason(message: &str) -> String {
    message
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .unwrap_or_else(|| message.lines().last().unwrap_or(message).trim())
        .to_string()
}

fn regex_syntax_check(atom: &str) -> Result<(), String> {
    regex::Regex::new(atom)
        .map(|_| ())
        .map_err(|e| rust_reason(&e.to_string()))
}
