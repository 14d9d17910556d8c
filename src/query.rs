//! The query language, parsed into an [`Expr`] tree.
//!
//! ```text
//! 预训练 模型            both terms (AND is the default)
//! 线程池 OR 协程          either
//! 线程池 -Java            the first, not the second (also: NOT Java)
//! "后训练更难"            this exact string
//! (协程 OR 线程) 调度     grouping
//! title:评估 tag:LLM category:review   fields; a field applies to a group too
//! ```
//!
//! Only ASCII `( ) " -` and upper-case `OR`, `AND`, `NOT` are operators, so
//! Chinese text with full-width punctuation is never misread. Chinese curly
//! quotes “…” also delimit a phrase. Malformed queries are errors with a
//! message that says how to fix them; meaning (segmentation, normalisation)
//! is left to `search`.

use std::fmt;

/// Where a term must match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Anywhere: title, tags, categories, front matter, body.
    All,
    /// In the title.
    Title,
    /// Equal to one of the tags (after normalisation).
    Tag,
    /// Equal to one of the categories (after normalisation).
    Category,
}

impl Scope {
    fn from_name(name: &str) -> Option<Scope> {
        match name.to_ascii_lowercase().as_str() {
            "title" => Some(Scope::Title),
            "tag" | "tags" => Some(Scope::Tag),
            "category" | "categories" => Some(Scope::Category),
            _ => None,
        }
    }
}

/// A parsed query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// Text to find.
    Term {
        /// Where.
        scope: Scope,
        /// The text as typed.
        text: String,
        /// Quoted: match this exact string.
        exact: bool,
    },
    /// All of these.
    And(Vec<Expr>),
    /// Any of these.
    Or(Vec<Expr>),
    /// Not this.
    Not(Box<Expr>),
}

/// Why a query could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError(pub String);

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for QueryError {}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    Or,
    And,
    Not,
    Field(Scope, String),
    Word(String),
    Phrase(String),
}

fn lex(input: &str) -> Result<Vec<Token>, QueryError> {
    let mut tokens = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '(' {
            chars.next();
            tokens.push(Token::Open);
        } else if c == ')' {
            chars.next();
            tokens.push(Token::Close);
        } else if c == '"' || c == '“' {
            chars.next();
            let mut phrase = String::new();
            let mut closed = false;
            for (_, c) in chars.by_ref() {
                if c == '"' || c == '”' {
                    closed = true;
                    break;
                }
                phrase.push(c);
            }
            if !closed {
                return Err(QueryError(format!(
                    "the quote at `{}` is never closed: add a closing \"",
                    excerpt(&input[i..])
                )));
            }
            tokens.push(Token::Phrase(phrase));
        } else if c == '-'
            && chars
                .clone()
                .nth(1)
                .is_some_and(|(_, n)| !n.is_whitespace())
        {
            chars.next();
            tokens.push(Token::Not);
        } else {
            let mut word = String::new();
            while let Some(&(_, c)) = chars.peek() {
                if c.is_whitespace() || c == '(' || c == ')' || c == '"' || c == '“' {
                    break;
                }
                word.push(c);
                chars.next();
                if c == ':' {
                    if let Some(scope) = Scope::from_name(&word[..word.len() - 1]) {
                        tokens.push(Token::Field(scope, word.clone()));
                        word.clear();
                        break;
                    }
                }
            }
            match word.as_str() {
                "" => {}
                "OR" | "|" => tokens.push(Token::Or),
                "AND" | "&&" => tokens.push(Token::And),
                "NOT" => tokens.push(Token::Not),
                _ => tokens.push(Token::Word(word)),
            }
        }
    }
    Ok(tokens)
}

fn excerpt(text: &str) -> String {
    text.chars().take(12).collect()
}

/// The longest query, in characters. Work grows faster than linearly with
/// an unquoted Chinese query (every word becomes a phrase to match); at
/// this length a query still answers in under a second.
pub const MAX_QUERY_CHARS: usize = 4096;

/// Parses a query.
pub fn parse(input: &str) -> Result<Expr, QueryError> {
    let chars = input.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(QueryError(format!(
            "the query is {chars} characters long, more than {MAX_QUERY_CHARS}: search for its most telling words"
        )));
    }
    let tokens = lex(input)?;
    if tokens.is_empty() {
        return Err(QueryError(
            "the query is empty: give at least one word to search for".into(),
        ));
    }
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let expr = parser.or()?;
    match parser.peek() {
        None => Ok(expr),
        Some(Token::Close) => Err(QueryError(
            "there is a `)` without a matching `(`: remove it or quote it".into(),
        )),
        Some(t) => Err(QueryError(format!("unexpected {}", describe(t)))),
    }
}

/// How deeply parentheses and negations may nest. Parsing and compiling
/// recurse once per level; a pasted or generated query of thousands of
/// `(` would otherwise overflow the stack.
const MAX_NESTING: usize = 64;

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    /// Current nesting of parentheses and negations.
    depth: usize,
}

impl Parser {
    /// Runs `parse` one nesting level deeper, or refuses past [`MAX_NESTING`].
    fn nested(
        &mut self,
        parse: impl FnOnce(&mut Self) -> Result<Expr, QueryError>,
    ) -> Result<Expr, QueryError> {
        if self.depth >= MAX_NESTING {
            return Err(QueryError(format!(
                "the query nests parentheses or negations more than {MAX_NESTING} deep: simplify it"
            )));
        }
        self.depth += 1;
        let expr = parse(self);
        self.depth -= 1;
        expr
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn or(&mut self) -> Result<Expr, QueryError> {
        let mut alternatives = vec![self.and()?];
        while self.peek() == Some(&Token::Or) {
            self.next();
            if matches!(self.peek(), None | Some(Token::Close | Token::Or)) {
                return Err(QueryError(
                    "`OR` needs something to search for on both sides".into(),
                ));
            }
            alternatives.push(self.and()?);
        }
        Ok(flatten(alternatives, Expr::Or))
    }

    fn and(&mut self) -> Result<Expr, QueryError> {
        let mut all = Vec::new();
        let mut saw_and = false;
        loop {
            match self.peek() {
                None | Some(Token::Close | Token::Or) => break,
                Some(Token::And) => {
                    self.next();
                    saw_and = true;
                    continue;
                }
                _ => all.push(self.unary()?),
            }
        }
        if all.is_empty() {
            return Err(QueryError(match self.peek() {
                Some(Token::Close) => {
                    "there is a `)` without a matching `(`: remove it or quote it".into()
                }
                _ if saw_and => "`AND` needs something to search for on both sides".into(),
                _ => "`OR` needs something to search for on both sides".into(),
            }));
        }
        Ok(flatten(all, Expr::And))
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        match self.next() {
            Some(Token::Not) => {
                if matches!(
                    self.peek(),
                    None | Some(Token::Close | Token::Or | Token::And)
                ) {
                    return Err(QueryError(
                        "`-` or `NOT` must be followed by what to exclude".into(),
                    ));
                }
                Ok(Expr::Not(Box::new(self.nested(Self::unary)?)))
            }
            Some(Token::Field(scope, name)) => match self.peek() {
                Some(Token::Word(_) | Token::Phrase(_) | Token::Open) => {
                    Ok(scoped(self.primary()?, scope))
                }
                _ => Err(QueryError(format!(
                    "nothing to search for after `{name}`: write {name}word or {name}\"some words\""
                ))),
            },
            Some(_) => {
                self.pos -= 1;
                self.primary()
            }
            None => Err(QueryError("the query ends too early".into())),
        }
    }

    fn primary(&mut self) -> Result<Expr, QueryError> {
        match self.next() {
            Some(Token::Word(text)) => Ok(Expr::Term {
                scope: Scope::All,
                text,
                exact: false,
            }),
            Some(Token::Phrase(text)) => Ok(Expr::Term {
                scope: Scope::All,
                text,
                exact: true,
            }),
            Some(Token::Open) => {
                if self.peek().is_none() {
                    return Err(QueryError(
                        "a `(` is never closed: add the matching `)`".into(),
                    ));
                }
                if self.peek() == Some(&Token::Close) {
                    return Err(QueryError(
                        "`()` is empty: put words inside or remove it".into(),
                    ));
                }
                let inner = self.nested(Self::or)?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err(QueryError(
                        "a `(` is never closed: add the matching `)`".into(),
                    )),
                }
            }
            Some(t) => Err(QueryError(format!("unexpected {}", describe(&t)))),
            None => Err(QueryError("the query ends too early".into())),
        }
    }
}

fn describe(t: &Token) -> String {
    match t {
        Token::Open => "`(`".into(),
        Token::Close => "`)`: remove it or quote it".into(),
        Token::Or => "`OR`".into(),
        Token::And => "`AND`".into(),
        Token::Not => "`NOT`".into(),
        Token::Field(_, name) => format!("`{name}`"),
        Token::Word(w) | Token::Phrase(w) => format!("`{w}`"),
    }
}

fn flatten(mut items: Vec<Expr>, wrap: fn(Vec<Expr>) -> Expr) -> Expr {
    if items.len() == 1 {
        items.pop().expect("one item")
    } else {
        wrap(items)
    }
}

/// Applies a field scope to every unscoped term of `expr`.
fn scoped(expr: Expr, scope: Scope) -> Expr {
    match expr {
        Expr::Term {
            scope: Scope::All,
            text,
            exact,
        } => Expr::Term { scope, text, exact },
        Expr::Term { .. } => expr,
        Expr::And(items) => Expr::And(items.into_iter().map(|e| scoped(e, scope)).collect()),
        Expr::Or(items) => Expr::Or(items.into_iter().map(|e| scoped(e, scope)).collect()),
        Expr::Not(inner) => Expr::Not(Box::new(scoped(*inner, scope))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(text: &str) -> Expr {
        Expr::Term {
            scope: Scope::All,
            text: text.into(),
            exact: false,
        }
    }

    fn exact(text: &str) -> Expr {
        Expr::Term {
            scope: Scope::All,
            text: text.into(),
            exact: true,
        }
    }

    #[test]
    fn implicit_and_or_not_and_groups() {
        assert_eq!(parse("预训练").unwrap(), term("预训练"));
        assert_eq!(
            parse("预训练 模型").unwrap(),
            Expr::And(vec![term("预训练"), term("模型")])
        );
        assert_eq!(
            parse("线程池 OR 协程 -Java").unwrap(),
            Expr::Or(vec![
                term("线程池"),
                Expr::And(vec![term("协程"), Expr::Not(Box::new(term("Java")))])
            ])
        );
        assert_eq!(
            parse("(协程 OR 线程) AND NOT 调度").unwrap(),
            Expr::And(vec![
                Expr::Or(vec![term("协程"), term("线程")]),
                Expr::Not(Box::new(term("调度")))
            ])
        );
    }

    #[test]
    fn phrases_in_ascii_and_chinese_quotes() {
        assert_eq!(parse("\"后训练更难\"").unwrap(), exact("后训练更难"));
        assert_eq!(parse("“killer app”").unwrap(), exact("killer app"));
    }

    #[test]
    fn fields_apply_to_words_phrases_and_groups() {
        assert_eq!(
            parse("title:评估 tag:LLM category:\"code review\"").unwrap(),
            Expr::And(vec![
                Expr::Term {
                    scope: Scope::Title,
                    text: "评估".into(),
                    exact: false
                },
                Expr::Term {
                    scope: Scope::Tag,
                    text: "LLM".into(),
                    exact: false
                },
                Expr::Term {
                    scope: Scope::Category,
                    text: "code review".into(),
                    exact: true
                },
            ])
        );
        assert_eq!(
            parse("Title:(a OR b)").unwrap(),
            Expr::Or(vec![
                Expr::Term {
                    scope: Scope::Title,
                    text: "a".into(),
                    exact: false
                },
                Expr::Term {
                    scope: Scope::Title,
                    text: "b".into(),
                    exact: false
                },
            ])
        );
    }

    #[test]
    fn words_that_merely_contain_operators_are_words() {
        assert_eq!(parse("http://x.com").unwrap(), term("http://x.com"));
        assert_eq!(parse("a-b").unwrap(), term("a-b"));
        assert_eq!(
            parse("or and").unwrap(),
            Expr::And(vec![term("or"), term("and")])
        );
        assert_eq!(parse("- x").unwrap(), Expr::And(vec![term("-"), term("x")]));
        assert_eq!(parse("（中文括号）").unwrap(), term("（中文括号）"));
    }

    #[test]
    fn random_queries_parse_or_fail_cleanly() {
        const PIECES: &[&str] = &[
            "(",
            ")",
            "\"",
            "“",
            "”",
            "-",
            "NOT",
            "OR",
            "AND",
            "title:",
            "tag:",
            "category:",
            ":",
            " ",
            "预训练",
            "a",
            "线程池",
            "（",
            "）",
            "\u{3000}",
            "--",
            "-(",
            "\\",
        ];
        let mut rng = crate::testing::Rng::new(0x9E37_79B9_7F4A_7C15);
        for _ in 0..5000 {
            let query = String::from_utf8(rng.concat(PIECES, 12)).expect("pieces are UTF-8");
            if let Err(e) = parse(&query) {
                assert!(!e.0.is_empty() && !e.0.contains('\n'), "{query:?}: {e}");
            }
        }
    }

    #[test]
    fn malformed_queries_are_errors_not_panics() {
        for (query, message) in [
            ("title:(", "never closed"),
            ("title:", "nothing to search for after `title:`"),
            ("(a", "never closed"),
            ("a)", "without a matching `(`"),
            (")", "without a matching `(`"),
            ("a OR )", "both sides"),
            ("\"abc", "never closed"),
            ("a OR", "both sides"),
            ("OR a", "both sides"),
            ("AND AND", "`AND` needs something"),
            ("AND", "`AND` needs something"),
            ("NOT", "must be followed"),
            ("()", "empty"),
            (&"(".repeat(1_000), "more than 64 deep"),
            (
                &"线程池".repeat(1_400),
                "4200 characters long, more than 4096",
            ),
            (&format!("{}x", "-".repeat(1_000)), "more than 64 deep"),
            (&format!("{}x", "NOT ".repeat(500)), "more than 64 deep"),
            (&format!("{}x", "title:(".repeat(500)), "more than 64 deep"),
            ("", "empty"),
            ("   ", "empty"),
        ] {
            let err = parse(query).unwrap_err().to_string();
            assert!(err.contains(message), "{query:?}: {err}");
        }
    }
}
