//! Reading TOML with the line of every key and value, so the checker can
//! report *every* problem where it is, rather than serde's first error.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::Problem;

/// Where problems go, and how to turn byte offsets into file lines.
pub struct Ctx<'a> {
    pub path: &'a str,
    src: &'a str,
    /// The file line on which `src` starts (1-based).
    first_line: usize,
    pub problems: &'a mut Vec<Problem>,
}

impl<'a> Ctx<'a> {
    pub fn new(
        path: &'a str,
        src: &'a str,
        first_line: usize,
        problems: &'a mut Vec<Problem>,
    ) -> Self {
        Self {
            path,
            src,
            first_line,
            problems,
        }
    }

    pub fn line_at(&self, offset: usize) -> usize {
        let end = offset.min(self.src.len());
        let end = (0..=end)
            .rev()
            .find(|i| self.src.is_char_boundary(*i))
            .unwrap_or(0);
        self.first_line + self.src[..end].matches('\n').count()
    }

    pub fn report(&mut self, span: Range<usize>, message: impl Into<String>) {
        let line = self.line_at(span.start);
        self.report_line(line, message);
    }

    pub fn report_line(&mut self, line: usize, message: impl Into<String>) {
        self.problems.push(Problem {
            path: self.path.to_string(),
            line,
            message: message.into(),
        });
    }
}

/// A TOML table with a name to use in messages ("front matter",
/// "agenda segment 3") and the line where it starts.
pub struct Table<'t, 'i> {
    pub inner: &'t DeTable<'i>,
    pub line: usize,
    pub what: String,
}

pub type Value<'t, 'i> = &'t Spanned<DeValue<'i>>;

impl<'t, 'i> Table<'t, 'i> {
    /// Reports every key that is not in `known`, with a suggestion when a
    /// known key is spelled almost the same.
    pub fn check_keys(&self, ctx: &mut Ctx<'_>, known: &[&str]) {
        for (key, _) in self.inner.iter() {
            let name: &str = key.get_ref();
            if known.contains(&name) {
                continue;
            }
            let hint = known
                .iter()
                .filter(|k| edit_distance(k, name) <= 2)
                .min_by_key(|k| edit_distance(k, name))
                .map(|k| format!(" (did you mean `{k}`?)"))
                .unwrap_or_else(|| format!(" (known keys: {})", known.join(", ")));
            ctx.report(
                key.span(),
                format!("unknown key `{name}` in {}{hint}", self.what),
            );
        }
    }

    fn get(&self, key: &str) -> Option<Value<'t, 'i>> {
        self.inner.get(key)
    }

    fn missing(&self, ctx: &mut Ctx<'_>, key: &str) {
        ctx.report_line(self.line, format!("missing key `{key}` in {}", self.what));
    }

    fn wrong_type(&self, ctx: &mut Ctx<'_>, key: &str, v: Value<'_, '_>, want: &str) {
        ctx.report(
            v.span(),
            format!(
                "`{key}` in {} should be {want}, not {}",
                self.what,
                v.get_ref().type_str()
            ),
        );
    }

    /// A required, non-empty string.
    pub fn string(&self, ctx: &mut Ctx<'_>, key: &str) -> Option<String> {
        let Some(v) = self.get(key) else {
            self.missing(ctx, key);
            return None;
        };
        self.string_value(ctx, key, v)
    }

    pub fn optional_string(&self, ctx: &mut Ctx<'_>, key: &str) -> Option<String> {
        self.get(key).and_then(|v| self.string_value(ctx, key, v))
    }

    fn string_value(&self, ctx: &mut Ctx<'_>, key: &str, v: Value<'_, '_>) -> Option<String> {
        match v.get_ref().as_str() {
            Some(s) if s.trim().is_empty() => {
                ctx.report(v.span(), format!("`{key}` in {} is empty", self.what));
                None
            }
            Some(s) => Some(s.trim().to_string()),
            None => {
                self.wrong_type(ctx, key, v, "text in quotes");
                None
            }
        }
    }

    /// A required whole number within `range`.
    pub fn number(&self, ctx: &mut Ctx<'_>, key: &str, range: Range<u32>) -> Option<u32> {
        let Some(v) = self.get(key) else {
            self.missing(ctx, key);
            return None;
        };
        self.number_value(ctx, key, v, range)
    }

    pub fn optional_number(&self, ctx: &mut Ctx<'_>, key: &str, range: Range<u32>) -> Option<u32> {
        self.get(key)
            .and_then(|v| self.number_value(ctx, key, v, range))
    }

    fn number_value(
        &self,
        ctx: &mut Ctx<'_>,
        key: &str,
        v: Value<'_, '_>,
        range: Range<u32>,
    ) -> Option<u32> {
        let Some(int) = v.get_ref().as_integer() else {
            self.wrong_type(ctx, key, v, "a whole number");
            return None;
        };
        let digits: String = int.as_str().chars().filter(|c| *c != '_').collect();
        let parsed = i64::from_str_radix(
            digits
                .trim_start_matches("0x")
                .trim_start_matches("0o")
                .trim_start_matches("0b"),
            int.radix(),
        )
        .ok()
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| range.contains(n));
        if parsed.is_none() {
            ctx.report(
                v.span(),
                format!(
                    "`{key}` in {} should be from {} to {}",
                    self.what,
                    range.start,
                    range.end - 1
                ),
            );
        }
        parsed
    }

    /// A required list of strings; each must be non-empty. Returns the
    /// strings and the line of the list.
    pub fn string_list(&self, ctx: &mut Ctx<'_>, key: &str) -> Option<(Vec<String>, usize)> {
        let Some(v) = self.get(key) else {
            self.missing(ctx, key);
            return None;
        };
        let line = ctx.line_at(v.span().start);
        let Some(items) = v.get_ref().as_array() else {
            self.wrong_type(ctx, key, v, "a list of texts, like [\"one\", \"two\"]");
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match item.get_ref().as_str() {
                Some(s) if !s.trim().is_empty() => out.push(s.trim().to_string()),
                Some(_) => {
                    ctx.report(
                        item.span(),
                        format!("item {} of `{key}` in {} is empty", i + 1, self.what),
                    );
                    ok = false;
                }
                None => {
                    ctx.report(
                        item.span(),
                        format!(
                            "item {} of `{key}` in {} should be text in quotes, not {}",
                            i + 1,
                            self.what,
                            item.get_ref().type_str()
                        ),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some((out, line))
    }

    /// A required sub-table (`[home_practice]`).
    pub fn table(&self, ctx: &mut Ctx<'_>, key: &str, what: &str) -> Option<Table<'t, 'i>> {
        let Some(v) = self.get(key) else {
            self.missing(ctx, key);
            return None;
        };
        match v.get_ref().as_table() {
            Some(t) => Some(Table {
                inner: t,
                line: ctx.line_at(v.span().start),
                what: what.to_string(),
            }),
            None => {
                self.wrong_type(ctx, key, v, &format!("a table, like [{key}]"));
                None
            }
        }
    }

    /// A required array of tables (`[[agenda]]`), each named `what N`.
    pub fn tables(
        &self,
        ctx: &mut Ctx<'_>,
        key: &str,
        what: &str,
    ) -> Option<(Vec<Table<'t, 'i>>, usize)> {
        let Some(v) = self.get(key) else {
            self.missing(ctx, key);
            return None;
        };
        let line = ctx.line_at(v.span().start);
        let Some(items) = v.get_ref().as_array() else {
            self.wrong_type(ctx, key, v, &format!("a list of [[{key}]] tables"));
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match item.get_ref().as_table() {
                Some(t) => out.push(Table {
                    inner: t,
                    line: ctx.line_at(item.span().start),
                    what: format!("{what} {}", i + 1),
                }),
                None => ctx.report(
                    item.span(),
                    format!("item {} of `{key}` should be a [[{key}]] table", i + 1),
                ),
            }
        }
        Some((out, line))
    }

    /// The line of a key's value, or of the table when the key is absent.
    pub fn line_of(&self, ctx: &Ctx<'_>, key: &str) -> usize {
        self.get(key)
            .map(|v| ctx.line_at(v.span().start))
            .unwrap_or(self.line)
    }
}

/// Parses a TOML document, reporting each syntax error with its line.
pub fn parse_document<'i>(ctx: &mut Ctx<'_>, src: &'i str) -> Option<Spanned<DeTable<'i>>> {
    let (table, errors) = DeTable::parse_recoverable(src);
    if errors.is_empty() {
        return Some(table);
    }
    for e in errors {
        let line = e
            .span()
            .map(|s| ctx.line_at(s.start))
            .unwrap_or(ctx.first_line);
        ctx.report_line(line, format!("TOML syntax: {}", e.message().trim()));
    }
    None
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_changes() {
        assert_eq!(edit_distance("title", "titel"), 2);
        assert_eq!(edit_distance("minutes", "minute"), 1);
        assert_eq!(edit_distance("kind", "kind"), 0);
    }
}
