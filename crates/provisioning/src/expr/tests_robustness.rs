//! "Never panic" checked at volume: thousands of generated expressions, both token soup and
//! well-formed calls of every function with odd arguments, parsed and evaluated against a SCIM
//! user. Any result is fine except a panic; successful parses must also print and re-parse.

use scimitar_scim::schema::ResourceKind;
use serde_json::json;

use super::test_support::*;
use super::*;

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const ATOMS: &[&str] = &[
    "[userName]",
    "[emails.value]",
    "[name.givenName]",
    r#"[emails[type eq "work"].value]"#,
    "[meta.created]",
    "[active]",
    "[missing]",
    "[urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value]",
    r#""x""#,
    r#""""#,
    r#"" a-b c ""#,
    r#""yyyy-MM-dd""#,
    r#""M/d/yyyy h:mm:ss tt""#,
    r#""d""#,
    r#""ww""#,
    r#""2021-01-31""#,
    r#""20150123105347.1Z""#,
    r#""(?<g>\d+)""#,
    r#""g""#,
    r#""[a-z]*""#,
    r#""True""#,
    r#""maybe""#,
    r#""tr-TR""#,
    "0",
    "1",
    "-3",
    "2.5",
    "300",
    "9223372036854775807",
    "-9223372036854775807",
    "&HFF",
    "True",
    "vbTextCompare",
    "Now()",
    "Guid()",
];

const SOUP: &[&str] = &[
    "(",
    ")",
    ",",
    " ",
    "=",
    "<>",
    ">=",
    "\"",
    "[",
    "]",
    "\\",
    "&H",
    "-",
    "\n",
    "é",
    "Append",
    "Join(",
    "IIF(",
    "Switch(",
    "Replace(",
    "SelectUniqueValue(",
];

/// A well-formed call of a random function, with a random (legal) number of arguments.
fn call(g: &mut Gen, depth: usize) -> String {
    let f = Function::ALL[g.below(Function::ALL.len())];
    let sig = f.signature();
    let max = sig.max.unwrap_or(sig.min + 3);
    let mut n = sig.min + g.below(max - sig.min + 1);
    if f == Function::Switch && n % 2 == 1 {
        n += 1;
    }
    let args: Vec<String> = (0..n)
        .map(|i| {
            if sig.omittable.contains(&i) && g.below(3) == 0 {
                String::new()
            } else {
                operand(g, depth)
            }
        })
        .collect();
    format!("{}({})", f.name(), args.join(", "))
}

fn operand(g: &mut Gen, depth: usize) -> String {
    match g.below(10) {
        0..=4 if depth < 5 => call(g, depth + 1),
        5 if depth < 5 => format!(
            "{} {} {}",
            g.pick(ATOMS),
            g.pick(&["=", "<>", "<", ">="]),
            g.pick(ATOMS)
        ),
        _ => g.pick(ATOMS).to_string(),
    }
}

#[test]
fn generated_calls_never_panic() {
    let user = json!({
        "userName": "bjensen@example.com",
        "name": {"givenName": "Bárbara"},
        "emails": [{"value": "a@x", "type": "work"}, {"value": "b@x", "type": "home"}],
        "active": true,
        "meta": {"created": "2010-01-23T04:56:22Z"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "m1"}}
    });
    let ctx = ScimSource::new(ResourceKind::User, &user, NOW).with_seed(1);
    let mut g = Gen(0x9e37_79b9_7f4a_7c15);
    let (mut parsed, mut evaluated) = (0, 0);
    for _ in 0..4000 {
        let input = call(&mut g, 0);
        let Ok(expr) = parse(&input) else { continue };
        parsed += 1;
        let printed = expr.to_string();
        assert!(parse(&printed).is_ok(), "{input}\nprinted as {printed}");
        if evaluate(&expr, &ctx).is_ok() {
            evaluated += 1;
        }
    }
    // Most generated calls are legal, and a good share evaluates without error.
    assert!(parsed > 2000, "{parsed}");
    assert!(evaluated > 500, "{evaluated}");
}

#[test]
fn token_soup_never_panics() {
    let ctx = MapSource::new(&[]);
    let mut g = Gen(0x0123_4567_89ab_cdef);
    for _ in 0..4000 {
        let len = 1 + g.below(30);
        let input: String = (0..len)
            .map(|_| {
                if g.below(2) == 0 {
                    g.pick(SOUP)
                } else {
                    g.pick(ATOMS)
                }
            })
            .collect();
        if let Ok(expr) = parse(&input) {
            let _ = evaluate(&expr, &ctx);
        } else if let Err(e) = parse(&input) {
            let _ = e.to_string();
        }
    }
}
