//! Dependencies point one way: the module import graph of the `homelab` library and of the
//! `frontend` crate, read from their `use` lines and `crate::`/`super::` paths, has no circles.
//! [`KNOWN`] is empty: a circle someone must land before breaking it goes there with the reason,
//! and one broken must be taken off. Test modules (`#[cfg(test)] mod tests` at the end of a file) are left
//! out: a test may reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Circles not broken yet, as their sorted members: none.
const KNOWN: &[&[&str]] = &[];

type Module = Vec<String>;

/// Every module file under `src`, by module path (`lib.rs` is the root; `main.rs` and `bin/`
/// are other crates).
fn modules(src: &Path) -> BTreeMap<Module, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let rel: Vec<String> = path
                .strip_prefix(src)
                .unwrap()
                .iter()
                .map(|c| c.to_string_lossy().into_owned())
                .collect();
            if path.is_dir() {
                if rel != ["bin"] {
                    stack.push(path);
                }
                continue;
            }
            let Some(file) = rel.last().and_then(|f| f.strip_suffix(".rs")) else {
                continue;
            };
            let mut module: Module = rel[..rel.len() - 1].to_vec();
            match (module.is_empty(), file) {
                (true, "lib") => {}
                (true, "main") => continue,
                (false, "mod") => {}
                _ => module.push(file.to_owned()),
            }
            out.insert(module, path);
        }
    }
    out
}

/// The code of a file without its test module and comments.
fn code(text: &str) -> String {
    let text = match text.find("\n#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths a `use` tree names: `a::{b, c::{d, e}}` is `a::b`, `a::c::d`, `a::c::e`.
fn use_paths(tree: &str) -> Vec<Vec<String>> {
    fn walk(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
        let tree = tree.trim();
        if tree.is_empty() {
            return;
        }
        if let Some(inner) = tree.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        walk(prefix, &inner[start..i], out);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            walk(prefix, &inner[start..], out);
            return;
        }
        match tree.split_once("::") {
            Some((head, rest)) => {
                let mut prefix = prefix.to_vec();
                prefix.push(head.trim().to_owned());
                walk(&prefix, rest, out);
            }
            None => {
                let name = tree.split(" as ").next().unwrap_or(tree).trim();
                let mut path = prefix.to_vec();
                if name != "self" && name != "*" {
                    path.push(name.to_owned());
                }
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&[], tree, &mut out);
    out
}

/// Every `crate::`, `super::` and `self::` path in `code`, in `use` trees or inline.
fn paths(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = code;
    // `use` statements, whole (they may span lines and hold groups).
    let mut without_uses = String::new();
    while let Some(at) = rest.find("use ") {
        let is_statement = at == 0
            || rest[..at]
                .ends_with(|c: char| c.is_whitespace() || c == ';' || c == '{' || c == '}');
        without_uses.push_str(&rest[..at]);
        if !is_statement {
            without_uses.push_str("use ");
            rest = &rest[at + 4..];
            continue;
        }
        let end = rest[at..].find(';').map_or(rest.len(), |e| at + e);
        let tree: String = rest[at + 4..end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        out.extend(use_paths(&tree));
        rest = &rest[end..];
    }
    without_uses.push_str(rest);
    // Inline paths: `crate::a::b::c(...)`, `super::super::x`.
    let bytes = without_uses.as_bytes();
    for start in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(at) = without_uses[from..].find(start) {
            let at = from + at;
            from = at + start.len();
            if at > 0
                && (bytes[at - 1].is_ascii_alphanumeric()
                    || bytes[at - 1] == b'_'
                    || bytes[at - 1] == b':')
            {
                continue;
            }
            let end = without_uses[at..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .map_or(without_uses.len(), |e| at + e);
            out.push(
                without_uses[at..end]
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect(),
            );
        }
    }
    out
}

/// The names a module re-exports (`pub use cache::ClusterCache;`), with the paths they stand
/// for, so that `crate::cluster::ClusterCache` leads to `cluster::cache`, not to `cluster`.
fn reexports(code: &str) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let mut rest = code;
    while let Some(at) = rest.find("pub use ") {
        let end = rest[at..].find(';').map_or(rest.len(), |e| at + e);
        let tree: String = rest[at + 8..end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for (path, alias) in use_paths(&tree).into_iter().zip(use_aliases(&tree)) {
            out.insert(alias, path);
        }
        rest = &rest[end..];
    }
    out
}

/// The names a `use` tree brings in, in the order of [`use_paths`].
fn use_aliases(tree: &str) -> Vec<String> {
    let mut names = Vec::new();
    for leaf in tree.split([',', '{', '}']) {
        let leaf = leaf.trim();
        if leaf.is_empty() || leaf.ends_with("::") {
            continue;
        }
        let name = match leaf.split_once(" as ") {
            Some((_, alias)) => alias.trim().to_owned(),
            None => leaf.rsplit("::").next().unwrap_or(leaf).trim().to_owned(),
        };
        names.push(name);
    }
    names
}

/// The module a path inside `current` names: its longest prefix that is a module, or the
/// module a re-exported name there comes from.
fn target(
    current: &Module,
    path: &[String],
    known: &BTreeMap<Module, PathBuf>,
    exports: &BTreeMap<Module, BTreeMap<String, Vec<String>>>,
) -> Option<Module> {
    let (mut base, mut rest): (Module, &[String]) = match path.first().map(String::as_str) {
        Some("crate") => (Vec::new(), &path[1..]),
        Some("self") => (current.clone(), &path[1..]),
        Some("super") => {
            // `super` in a/b.rs and in a/b/mod.rs alike is `a`.
            let mut base = current.clone();
            let mut rest = path;
            while rest.first().map(String::as_str) == Some("super") {
                base.pop()?;
                rest = &rest[1..];
            }
            (base, rest)
        }
        // `use source::ClusterView;` in cluster/mod.rs: a path relative to this module.
        Some(first) => {
            let mut child = current.clone();
            child.push(first.to_owned());
            if !known.contains_key(&child) {
                return None;
            }
            (current.clone(), path)
        }
        None => return None,
    };
    let mut found = base.clone();
    while let Some((head, tail)) = rest.split_first() {
        let mut next = base.clone();
        next.push(head.clone());
        if known.contains_key(&next) {
            found = next.clone();
            base = next;
            rest = tail;
            continue;
        }
        // A name `base` re-exports: follow it once, from `base`.
        if let Some(source) = exports.get(&base).and_then(|e| e.get(head)) {
            if source.first().map(String::as_str) != Some(head.as_str()) || source.len() > 1 {
                return target(&base, source, known, &BTreeMap::new()).or(Some(found));
            }
        }
        break;
    }
    Some(found)
}

/// The circles (strongly connected components of more than one module) of a crate's graph.
fn circles(src: &Path) -> Vec<Vec<String>> {
    let known = modules(src);
    let texts: BTreeMap<Module, String> = known
        .iter()
        .map(|(m, file)| (m.clone(), code(&std::fs::read_to_string(file).unwrap())))
        .collect();
    let exports: BTreeMap<Module, BTreeMap<String, Vec<String>>> = texts
        .iter()
        .map(|(m, t)| (m.clone(), reexports(t)))
        .collect();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for module in known.keys() {
        for path in paths(&texts[module]) {
            if let Some(to) = target(module, &path, &known, &exports) {
                if &to != module {
                    edges.entry(module.clone()).or_default().insert(to);
                }
            }
        }
    }
    // Tarjan's algorithm (recursive: the graphs have about a hundred modules).
    struct Tarjan<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<Module, usize>,
        low: BTreeMap<Module, usize>,
        stack: Vec<Module>,
        on_stack: BTreeSet<Module>,
        out: Vec<Vec<String>>,
    }
    impl Tarjan<'_> {
        fn visit(&mut self, v: &Module) {
            let i = self.index.len();
            self.index.insert(v.clone(), i);
            self.low.insert(v.clone(), i);
            self.stack.push(v.clone());
            self.on_stack.insert(v.clone());
            let next: Vec<Module> = self
                .edges
                .get(v)
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_default();
            for w in &next {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v.clone(), low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v.clone(), low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut members = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(&w);
                    let done = &w == v;
                    members.push(if w.is_empty() {
                        "crate".to_owned()
                    } else {
                        w.join("::")
                    });
                    if done {
                        break;
                    }
                }
                if members.len() > 1 {
                    members.sort();
                    self.out.push(members);
                }
            }
        }
    }
    let mut t = Tarjan {
        edges: &edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for module in known.keys() {
        if !t.index.contains_key(module) {
            t.visit(module);
        }
    }
    t.out.sort();
    t.out
}

#[test]
fn the_import_graph_has_no_circles_but_the_known_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut found: Vec<Vec<String>> = Vec::new();
    for (krate, src) in [("homelab", "server/src"), ("frontend", "frontend/src")] {
        for circle in circles(&root.join(src)) {
            found.push(
                circle
                    .into_iter()
                    .map(|m| format!("{krate}::{m}"))
                    .collect(),
            );
        }
    }
    found.sort();
    let known: Vec<Vec<String>> = KNOWN
        .iter()
        .map(|c| c.iter().map(|m| m.to_string()).collect())
        .collect();
    let new: Vec<_> = found.iter().filter(|c| !known.contains(c)).collect();
    let gone: Vec<_> = known.iter().filter(|c| !found.contains(c)).collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "import circles differ from the known ones.\nnew (break them): {new:#?}\n\
         no longer there (take them off KNOWN): {gone:#?}"
    );
}

#[test]
fn the_reader_sees_use_groups_super_and_inline_paths() {
    assert_eq!(
        use_paths("crate::a::{b, c::{d, E as F}, self}"),
        [
            vec!["crate", "a", "b"],
            vec!["crate", "a", "c", "d"],
            vec!["crate", "a", "c", "E"],
            vec!["crate", "a"],
        ]
    );
    let found = paths("use super::x::Y;\nfn f() { crate::b::c(); let _ = my_crate::z; }\n");
    assert_eq!(found, [vec!["super", "x", "Y"], vec!["crate", "b", "c"]]);
    // A two-module circle is found; a one-way pair is not.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("lib.rs"),
        "pub mod a;\npub mod b;\npub mod c;\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("a.rs"), "use crate::b::B;\n").unwrap();
    std::fs::write(dir.path().join("b.rs"), "pub fn f() { crate::a::g() }\n").unwrap();
    std::fs::write(dir.path().join("c.rs"), "use super::a;\n").unwrap();
    assert_eq!(circles(dir.path()), [vec!["a", "b"]]);
}
