//! Narrowing the two versions of a `Cargo.lock` to the entries that differ, before the path
//! rules read them: on a long history, parsing whole lock files per commit dominates planning.

use std::collections::HashMap;

/// The top-level sections of a lock file: each starts at a line beginning with `[` and runs to
/// the next; the first holds what comes before any header (`version = 4`, comments).
fn sections(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with('[') && offset > start {
            out.push(&text[start..offset]);
            start = offset;
        }
        offset += line.len();
    }
    out.push(&text[start..]);
    out
}

/// `base` and `head` without the `[[package]]` sections they share word for word. Removing a
/// whole entry present, identical, on both sides changes neither side's validity nor which
/// entries differ, so the path rules reach the same answer from far less text.
pub(crate) fn without_common_packages(base: &str, head: &str) -> (String, String) {
    let (base, head) = (sections(base), sections(head));
    let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
    for s in base.iter().filter(|s| s.starts_with("[[package]]")) {
        counts.entry(s).or_default().0 += 1;
    }
    for s in head.iter().filter(|s| s.starts_with("[[package]]")) {
        counts.entry(s).or_default().1 += 1;
    }
    let keep = |side: &[&str]| -> String {
        side.iter()
            .filter(|s| counts.get(*s).is_none_or(|(b, h)| *b != 1 || *h != 1))
            .copied()
            .collect()
    };
    (keep(&base), keep(&head))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_differing_entries_remain_and_both_sides_stay_valid() {
        let base = "# generated\nversion = 4\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\n\
                    [[package]]\nname = \"b\"\nversion = \"1.0.0\"\ndependencies = [\n \"a\",\n]\n";
        let head = base.replace(
            "name = \"b\"\nversion = \"1.0.0\"",
            "name = \"b\"\nversion = \"1.1.0\"",
        );
        let (b, h) = without_common_packages(base, &head);
        assert_eq!(
            b,
            "# generated\nversion = 4\n\n[[package]]\nname = \"b\"\nversion = \"1.0.0\"\ndependencies = [\n \"a\",\n]\n"
        );
        assert_eq!(h, b.replace("1.0.0\"\ndep", "1.1.0\"\ndep"));
        assert!(b.parse::<toml::Table>().is_ok() && h.parse::<toml::Table>().is_ok());
    }
}
