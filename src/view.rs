//! What the page shows, computed without a browser (feature `view`): the job grid in
//! Treeherder's layout (platform rows, groups, natural order), the quick filter, the fzf-style
//! job search, and the page's URL state. Pure and tested natively; `ui` only renders it.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use fuzzy_matcher::skim::SkimMatcherV2;
use fuzzy_matcher::FuzzyMatcher;

/// Text shared, not copied, when the grid's jobs are cloned (the early grid applies each page
/// of task states to a copy of its 50k jobs: with `String`s that copy took 30-60 ms).
pub type Text = std::rc::Rc<str>;

/// One job as the worker sends it (`Session::jobs`), its text shared: the protocol's
/// [`GridJob`](crate::protocol::GridJob) over [`Text`], with its quick-filter text.
pub type Job = crate::protocol::GridJob<Text>;

pub use crate::engine::runnable::{JobState, Listing};

/// Applies `states` to the jobs `index` finds by label; returns how many jobs they touched.
fn apply_indexed(jobs: &mut [Job], index: &HashMap<Text, usize>, states: &[JobState]) -> usize {
    let mut changed = 0;
    for s in states {
        let Some(job) = index.get(s.label.as_str()).and_then(|&i| jobs.get_mut(i)) else {
            continue;
        };
        job.state = s.state.as_str().into();
        job.task_id = Some(s.task_id.as_str().into());
        job.kind = s.kind.as_str().into();
        if let Some(tier) = s.tier {
            job.tier = tier;
        }
        changed += 1;
    }
    changed
}

/// The early grid's jobs taking task states as the task group's listing arrives, without a
/// copy of 50k jobs for each page of states (the page's grid holds the jobs it drew, so they
/// cannot change in place): a second copy, the one the grid drew before, takes the states in
/// place once the grid has let go of it, and the two swap. The spare copy only misses the
/// states applied at the last swap.
#[derive(Debug, Default)]
pub struct EarlyJobs {
    spare: Option<std::rc::Rc<Vec<Job>>>,
    /// The states the spare copy misses.
    lag: Vec<JobState>,
    /// Label → index in the jobs.
    index: HashMap<Text, usize>,
}

impl EarlyJobs {
    /// Applies `states` to `shown`, which becomes a copy with them applied (the spare one when
    /// nothing holds it any more, else a fresh copy); returns how many jobs they touched.
    pub fn apply(&mut self, shown: &mut std::rc::Rc<Vec<Job>>, states: Vec<JobState>) -> usize {
        if self.index.len() != shown.len() {
            self.index = shown
                .iter()
                .enumerate()
                .map(|(i, j)| (j.label.clone(), i))
                .collect();
        }
        let free = self.spare_free(shown.len());
        let mut next = match self.spare.take() {
            Some(spare) if free => spare,
            _ => {
                self.lag.clear();
                std::rc::Rc::new((**shown).clone())
            }
        };
        let changed = match std::rc::Rc::get_mut(&mut next) {
            Some(jobs) => {
                apply_indexed(jobs, &self.index, &self.lag);
                apply_indexed(jobs, &self.index, &states)
            }
            None => 0,
        };
        self.spare = Some(std::mem::replace(shown, next));
        self.lag = states;
        changed
    }

    /// Takes a page of the jobs as it arrives, `offset` jobs in: indexed by label and copied
    /// into the spare, so that the first states cost neither an index nor a copy of 50k jobs
    /// in one task. A page out of order is left to [`EarlyJobs::apply`], which then copies.
    pub fn add_page(&mut self, offset: usize, jobs: &[Job]) {
        let spare = self.spare.get_or_insert_with(Default::default);
        match std::rc::Rc::get_mut(spare) {
            Some(spare) if spare.len() == offset && self.lag.is_empty() => {
                spare.extend_from_slice(jobs)
            }
            _ => return,
        }
        if self.index.len() == offset {
            let labels = jobs.iter().enumerate();
            self.index
                .extend(labels.map(|(k, j)| (j.label.clone(), offset + k)));
        }
    }

    /// Whether states for `len` jobs would go into the spare copy in place (nothing else holds
    /// it), rather than into a new copy.
    pub fn spare_free(&self, len: usize) -> bool {
        self.spare.as_ref().is_some_and(|spare| {
            spare.len() == len
                && std::rc::Rc::strong_count(spare) == 1
                && std::rc::Rc::weak_count(spare) == 0
        })
    }

    /// Whether the last [`EarlyJobs::apply`] reused the spare copy rather than copying.
    #[cfg(test)]
    fn spare_is(&self, jobs: &std::rc::Rc<Vec<Job>>) -> bool {
        self.spare
            .as_ref()
            .is_some_and(|s| std::rc::Rc::ptr_eq(s, jobs))
    }
}

/// `text` for display: the Unicode controls that reorder text (bidi embeddings, overrides,
/// isolates, marks) are shown as `[U+202E]`, so a label cannot pose as another
/// ("test-\u{202E}evil" would read "test-live"). Everything else is shown as it is.
pub fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    let reorders = |c: char| matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(reorders) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(|c| {
                if reorders(c) {
                    format!("[U+{:04X}]", u32::from(c))
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// A platform row: platform + build option, with its groups.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub platform: String,
    pub option: String,
    /// Display name, e.g. "Linux x64 opt".
    pub title: String,
    pub groups: Vec<Group>,
}

/// A job group (`symbol` empty for ungrouped jobs of one tier).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub symbol: String,
    pub name: String,
    pub tier: u64,
    /// Indices into the job list, in natural symbol order.
    pub jobs: Vec<usize>,
}

/// Treeherder's names for common platforms (`thPlatformMap`); others are shown as they are.
pub fn platform_name(platform: &str) -> String {
    let known = [
        ("linux", "Linux"),
        ("linux32", "Linux"),
        ("linux64", "Linux x64"),
        ("linux64-asan", "Linux x64 asan"),
        ("linux64-tsan", "Linux x64 tsan"),
        ("linux64-ccov", "Linux x64 CCov"),
        ("linux64-shippable", "Linux x64 Shippable"),
        ("linux1804-64", "Linux 18.04 x64"),
        ("linux2204-64-wayland", "Linux 22.04 x64 Wayland"),
        ("linux2404-64", "Linux 24.04"),
        ("linux2404-64-shippable", "Linux 24.04 Shippable"),
        ("macosx1015-64", "OS X 10.15"),
        ("macosx1100-64", "OS X 11"),
        ("macosx1470-64", "macOS 14.70"),
        ("macosx64", "OS X Cross Compiled"),
        ("windows10-64", "Windows 10 x64"),
        ("windows11-64-24h2", "Windows 11 x64 24H2"),
        ("windows2012-64", "Windows 2012 x64"),
        ("win64", "Windows x64"),
        ("win32", "Windows x86"),
        ("android-5-0-armv7", "Android 5.0 ARMv7"),
        ("android-em-7-0-x86_64", "Android 7.0 x86-64"),
        ("gecko-decision", "Gecko Decision Task"),
        ("lint", "Linting"),
    ];
    known
        .iter()
        .find(|(k, _)| *k == platform)
        .map_or_else(|| platform.to_string(), |(_, v)| (*v).to_string())
}

/// Treeherder's build-option order.
fn option_rank(option: &str) -> u32 {
    match option {
        "opt" => 1,
        "pgo" => 2,
        "asan" => 3,
        "tsan" => 4,
        "debug" => 5,
        "cc" => 6,
        "addon" => 7,
        "all" => 8,
        _ => 9,
    }
}

/// "Natural" order: digit runs compare as numbers (`R2` before `R10`).
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let da = a.iter().take_while(|c| c.is_ascii_digit()).count();
                let db = b.iter().take_while(|c| c.is_ascii_digit()).count();
                let (na, nb) = (&a[..da], &b[..db]);
                let na = trim_zeros(na);
                let nb = trim_zeros(nb);
                let by_number = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
                if by_number != Ordering::Equal {
                    return by_number;
                }
                a = &a[da..];
                b = &b[db..];
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                a = &a[1..];
                b = &b[1..];
            }
        }
    }
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().take_while(|&&c| c == b'0').count();
    &digits[zeros.min(digits.len().saturating_sub(1))..]
}

/// What the grid shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    /// The quick filter: every word must occur in the platform, option, group, label or symbol.
    pub text: String,
    /// Tiers shown (Treeherder's default: 1 and 2).
    pub tiers: BTreeSet<u64>,
    /// Show runnable jobs ("Add new jobs" mode).
    pub runnable: bool,
}

impl Filter {
    pub fn treeherder_default() -> Filter {
        Filter {
            text: String::new(),
            tiers: [1, 2].into(),
            runnable: false,
        }
    }

    /// Whether a job's state can decide if it shows (only runnable jobs are hidden, outside
    /// "Add new jobs" mode): if not, new states change how shown jobs look, not which show.
    pub fn reads_states(&self) -> bool {
        !self.runnable
    }

    /// The quick filter's words, lowercased.
    fn words(&self) -> Vec<String> {
        self.text
            .to_lowercase()
            .split_whitespace()
            .map(str::to_string)
            .collect()
    }

    /// Whether `job` is shown, given the filter's `words`.
    fn shows(&self, job: &Job, words: &[String]) -> bool {
        if !self.tiers.contains(&job.tier.clamp(1, 3)) {
            return false;
        }
        if self.reads_states() && job.is_runnable() {
            return false;
        }
        if words.is_empty() {
            return true;
        }
        let computed;
        let haystack: &str = if job.haystack.is_empty() {
            computed = haystack(job);
            &computed
        } else {
            &job.haystack
        };
        words.iter().all(|word| haystack.contains(word.as_str()))
    }
}

/// What the quick filter searches in a job: platform (both names), option, group name, label
/// and symbol, lowercased.
pub fn haystack(job: &Job) -> String {
    let mut text = format!(
        "{} {} {} {} {} {}",
        platform_name(&job.platform),
        job.platform,
        job.option,
        job.group_name.as_deref().unwrap_or(""),
        job.label,
        job.symbol
    );
    // Labels and platforms are ASCII: lowercased in place, without a second string.
    if text.is_ascii() {
        text.make_ascii_lowercase();
        text
    } else {
        text.to_lowercase()
    }
}

/// Fills each job's quick-filter text once, so filtering a big push stays fast.
pub fn prepare(jobs: &mut [Job]) {
    for job in jobs {
        job.haystack = haystack(job).into();
    }
}

/// Job indices by platform, option, group symbol and tier (of an ungrouped job, else 0).
type Grouped = BTreeMap<(String, String, String, u64), Vec<usize>>;

/// One row's (platform, option) and its groups' (symbol, job indices).
type RowGroups = ((String, String), Vec<(String, Vec<usize>)>);

/// The grid's rows, grouped a slice of jobs at a time, so the page can group 50k jobs in
/// several short tasks ([`RowsBuilder::step`]); [`rows`] does it at once. Within a step the
/// keys borrow the jobs' text: only each step's distinct keys are allocated.
#[derive(Debug, Default)]
pub struct RowsBuilder {
    grouped: Grouped,
    next: usize,
    /// Each job's place in natural order of symbols ([`RowsBuilder::rank`]).
    ranks: Option<Vec<usize>>,
}

impl RowsBuilder {
    /// Groups the next `count` jobs `filter` shows; true once every job is grouped.
    pub fn step(&mut self, jobs: &[Job], filter: &Filter, count: usize) -> bool {
        let words = filter.words();
        let end = self.next.saturating_add(count).min(jobs.len());
        let mut step: BTreeMap<(&str, &str, &str, u64), Vec<usize>> = BTreeMap::new();
        for (i, job) in jobs.iter().enumerate().take(end).skip(self.next) {
            if !filter.shows(job, &words) {
                continue;
            }
            let group = job.group_symbol.as_deref().unwrap_or_default();
            // Ungrouped jobs of tier 2 and 3 form a group with an empty symbol per tier.
            let tier = if group.is_empty() { job.tier } else { 0 };
            step.entry((&job.platform, &job.option, group, tier))
                .or_default()
                .push(i);
        }
        for ((platform, option, group, tier), members) in step {
            self.grouped
                .entry((platform.into(), option.into(), group.into(), tier))
                .or_default()
                .extend(members);
        }
        self.next = end;
        end >= jobs.len()
    }

    /// Every one of `jobs` is grouped: [`RowsBuilder::finish`] is left.
    pub fn grouped_all(&self, jobs: &[Job]) -> bool {
        self.next >= jobs.len()
    }

    /// Orders the grouped jobs' symbols (a step of its own, between the grouping and
    /// [`RowsBuilder::finish`]).
    pub fn rank(&mut self, jobs: &[Job]) {
        let members = self.grouped.values().flatten();
        self.ranks = Some(job_ranks(jobs, members));
    }

    /// Whether [`RowsBuilder::rank`] is done.
    pub fn ranked(&self) -> bool {
        self.ranks.is_some()
    }

    /// The rows, in Treeherder's order.
    pub fn finish(mut self, jobs: &[Job]) -> Vec<Row> {
        if !self.ranked() {
            self.rank(jobs);
        }
        let ranks = self.ranks.take().unwrap_or_default();
        let mut by_row: Vec<RowGroups> = Vec::new();
        for ((platform, option, group, _), members) in self.grouped {
            match by_row.last_mut() {
                Some(((p, o), groups)) if *p == platform && *o == option => {
                    groups.push((group, members));
                }
                _ => by_row.push(((platform, option), vec![(group, members)])),
            }
        }
        rows_of(jobs, by_row, &ranks)
    }
}

/// Builds the grid rows of the jobs `filter` shows.
pub fn rows(jobs: &[Job], filter: &Filter) -> Vec<Row> {
    let mut builder = RowsBuilder::default();
    builder.step(jobs, filter, usize::MAX);
    builder.finish(jobs)
}

/// Each distinct symbol's place in natural order (jobs are sorted by it: comparing ranks is
/// much cheaper than comparing 50k symbols naturally).
fn symbol_ranks<'a, 'm>(
    jobs: &'a [Job],
    members: impl Iterator<Item = &'m usize>,
) -> HashMap<&'a str, usize> {
    let mut symbols: Vec<&str> = members
        .filter_map(|&i| jobs.get(i).map(|j| &*j.symbol))
        .collect::<std::collections::HashSet<&str>>()
        .into_iter()
        .collect();
    symbols.sort_by(|a, b| natural_cmp(a, b));
    // Symbols equal in natural order share a rank (their jobs keep their order, as a stable
    // sort by `natural_cmp` leaves them).
    let mut ranks = HashMap::with_capacity(symbols.len());
    let mut rank = 0;
    for (i, symbol) in symbols.iter().enumerate() {
        if i > 0 && natural_cmp(symbols[i - 1], symbol) != Ordering::Equal {
            rank += 1;
        }
        ranks.insert(*symbol, rank);
    }
    ranks
}

/// Each job's rank among the symbols of `members`, looked up once (not once per comparison).
fn job_ranks<'m>(jobs: &[Job], members: impl Iterator<Item = &'m usize>) -> Vec<usize> {
    let ranks = symbol_ranks(jobs, members);
    jobs.iter()
        .map(|j| ranks.get(&*j.symbol).copied().unwrap_or(0))
        .collect()
}

fn rows_of(jobs: &[Job], by_row: Vec<RowGroups>, job_ranks: &[usize]) -> Vec<Row> {
    let rank = |i: usize| job_ranks.get(i).copied().unwrap_or(0);
    let mut rows: Vec<Row> = by_row
        .into_iter()
        .map(|((platform, option), groups)| {
            let mut groups: Vec<Group> = groups
                .into_iter()
                .map(|(symbol, mut members)| {
                    // Stable: jobs of equal symbols keep their order, as before.
                    members.sort_by_key(|&i| rank(i));
                    let first = &jobs[members[0]];
                    Group {
                        name: first.group_name.as_deref().unwrap_or_default().to_string(),
                        tier: members.iter().map(|&i| jobs[i].tier).min().unwrap_or(1),
                        symbol,
                        jobs: members,
                    }
                })
                .collect();
            // Ungrouped tier-1 jobs first, then by symbol length plus tier, then symbol.
            groups.sort_by(|a, b| {
                let key = |g: &Group| (g.symbol.len() as u64 + g.tier, g.symbol.clone());
                key(a).cmp(&key(b))
            });
            let name = platform_name(&platform);
            let title = if option.is_empty()
                || ["asan", "tsan", "ccov", "shippable"]
                    .iter()
                    .any(|s| name.to_lowercase().contains(s) && option == "opt")
            {
                name
            } else {
                format!("{name} {option}")
            };
            Row {
                platform,
                option,
                title,
                groups,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        let key = |r: &Row| {
            (
                platform_name(&r.platform).to_lowercase(),
                option_rank(&r.option),
            )
        };
        key(a).cmp(&key(b)).then_with(|| a.option.cmp(&b.option))
    });
    rows
}

/// One term of an fzf-style query.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    Fuzzy(String),
    Exact(String),
    Prefix(String),
    Suffix(String),
    /// `^label$`: the whole label.
    Whole(String),
    Not(String),
}

fn terms(query: &str) -> Vec<Term> {
    query
        .split_whitespace()
        .filter_map(|word| {
            let word = word.to_lowercase();
            let term = if let Some(rest) = word.strip_prefix('!') {
                Term::Not(rest.trim_start_matches('\'').to_string())
            } else if let Some(rest) = word.strip_prefix('\'') {
                Term::Exact(rest.to_string())
            } else if let Some(rest) = word.strip_prefix('^') {
                match rest.strip_suffix('$') {
                    Some(whole) => Term::Whole(whole.to_string()),
                    None => Term::Prefix(rest.to_string()),
                }
            } else if let Some(rest) = word.strip_suffix('$') {
                Term::Suffix(rest.to_string())
            } else {
                Term::Fuzzy(word)
            };
            let empty = matches!(&term, Term::Fuzzy(s) | Term::Exact(s) | Term::Prefix(s) | Term::Suffix(s) | Term::Whole(s) | Term::Not(s) if s.is_empty());
            (!empty).then_some(term)
        })
        .collect()
}

/// The jobs matching an fzf-style `query` over label and symbol, best first: words are ANDed;
/// `'word` must occur exactly, `^word` starts the label, `word$` ends it, `!word` must not occur,
/// other words match fuzzily (in order, gaps allowed). Only runnable jobs are searched.
pub fn search(jobs: &[Job], query: &str) -> Vec<usize> {
    let terms = terms(query);
    if terms.is_empty() {
        return Vec::new();
    }
    let matcher = SkimMatcherV2::default().ignore_case();
    let mut hits: Vec<(i64, usize)> = Vec::new();
    'jobs: for (i, job) in jobs.iter().enumerate() {
        if !job.is_runnable() {
            continue;
        }
        let label = job.label.to_lowercase();
        let symbol = job.symbol.to_lowercase();
        let group = job.group_symbol.as_deref().unwrap_or("").to_lowercase();
        let text = format!("{label} {group}({symbol})");
        let mut score = 0;
        for term in &terms {
            match term {
                Term::Exact(s) if !text.contains(s.as_str()) => continue 'jobs,
                Term::Prefix(s) if !label.starts_with(s.as_str()) => continue 'jobs,
                Term::Suffix(s) if !label.ends_with(s.as_str()) => continue 'jobs,
                Term::Whole(s) if label != *s => continue 'jobs,
                Term::Not(s) if text.contains(s.as_str()) => continue 'jobs,
                Term::Fuzzy(s) => {
                    let best = [&label, &symbol]
                        .iter()
                        .filter_map(|h| matcher.fuzzy_match(h, s))
                        .max();
                    match best {
                        Some(points) => score += points,
                        None => continue 'jobs,
                    }
                }
                _ => score += 1,
            }
        }
        hits.push((score, i));
    }
    hits.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| jobs[a.1].label.cmp(&jobs[b.1].label))
    });
    hits.into_iter().map(|(_, i)| i).collect()
}

/// The page's state in its URL, so a link reproduces the view.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UrlState {
    pub root_url: Option<String>,
    pub decision_task_id: Option<String>,
    pub selected: Vec<String>,
    pub search: String,
    pub times: u32,
    pub runnable: bool,
    /// The page's OAuth2 client id for "Sign in with Taskcluster" (a deployment setting; kept
    /// in the URL so a reload keeps it).
    pub login_client_id: Option<String>,
    /// The scopes that client is registered with at the deployment (`loginScope=`, repeated or
    /// space-separated): Taskcluster's web-server refuses a sign-in asking for any other set
    /// (`invalid_scope`). Empty: [`DEFAULT_LOGIN_SCOPES`].
    pub login_scopes: Vec<String>,
}

/// What the page asks a sign-in for when the deployment names nothing else: the scope
/// Treeherder's OAuth2 client asks for (and is registered with), which lets its credentials
/// trigger any hook the signed-in user may trigger.
pub const DEFAULT_LOGIN_SCOPES: &[&str] = &["hooks:trigger-hook:*"];

/// Query values stay readable: `/` and `:` (URLs, labels) are not escaped.
fn percent_encode(text: &str) -> String {
    crate::url::percent_encode(text, b"/:")
}

impl UrlState {
    /// The scopes a sign-in asks for: `loginScope=`'s, else [`DEFAULT_LOGIN_SCOPES`].
    pub fn login_scopes(&self) -> Vec<String> {
        if self.login_scopes.is_empty() {
            DEFAULT_LOGIN_SCOPES.iter().map(|s| s.to_string()).collect()
        } else {
            self.login_scopes.clone()
        }
    }

    /// Reads `?rootUrl=…&decisionTaskId=…&select=a&select=b&search=…&times=N&runnable=1`
    /// (and `loginClientId=…`, `loginScope=…`).
    pub fn parse(query: &str) -> UrlState {
        let mut state = UrlState {
            times: 1,
            ..UrlState::default()
        };
        for pair in query.trim_start_matches('?').split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = crate::url::percent_decode(value, true);
            match key {
                "rootUrl" if !value.is_empty() => state.root_url = Some(value),
                "decisionTaskId" if !value.is_empty() => state.decision_task_id = Some(value),
                "select" if !value.is_empty() => state.selected.push(value),
                "search" => state.search = value,
                "times" => state.times = value.parse().unwrap_or(1).clamp(1, 100),
                "runnable" => state.runnable = value == "1",
                "loginClientId" if !value.is_empty() => state.login_client_id = Some(value),
                "loginScope" => state
                    .login_scopes
                    .extend(value.split_whitespace().map(str::to_string)),
                _ => {}
            }
        }
        state
    }

    /// The query string (with `?`), parameters that hold their defaults left out.
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(root) = &self.root_url {
            parts.push(format!("rootUrl={}", percent_encode(root)));
        }
        if let Some(id) = &self.decision_task_id {
            parts.push(format!("decisionTaskId={}", percent_encode(id)));
        }
        if let Some(id) = &self.login_client_id {
            parts.push(format!("loginClientId={}", percent_encode(id)));
        }
        for scope in &self.login_scopes {
            parts.push(format!("loginScope={}", percent_encode(scope)));
        }
        if self.runnable {
            parts.push("runnable=1".into());
        }
        if self.times != 1 {
            parts.push(format!("times={}", self.times));
        }
        if !self.search.is_empty() {
            parts.push(format!("search={}", percent_encode(&self.search)));
        }
        for label in &self.selected {
            parts.push(format!("select={}", percent_encode(label)));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

#[cfg(test)]
mod shown_tests {
    #[test]
    fn reordering_controls_are_shown_and_the_rest_is_kept() {
        assert_eq!(
            super::shown("test-\u{202E}evil\u{202C}-ok"),
            "test-[U+202E]evil[U+202C]-ok"
        );
        assert_eq!(
            super::shown("\u{05E9}\u{05DC}\u{05D5}\u{05DD} \u{1F525}"),
            "\u{05E9}\u{05DC}\u{05D5}\u{05DD} \u{1F525}"
        );
        assert!(matches!(
            super::shown("plain"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(label: &str, symbol: &str, group: Option<&str>, platform: &str, option: &str) -> Job {
        Job {
            label: label.into(),
            kind: "test".into(),
            symbol: symbol.into(),
            group_symbol: group.map(Text::from),
            group_name: group.map(|g| format!("{g} tests").into()),
            platform: platform.into(),
            option: option.into(),
            tier: 1,
            state: "runnable".into(),
            task_id: None,
            haystack: Text::from(""),
        }
    }

    #[test]
    fn early_jobs_copy_and_index_the_pages_as_they_arrive() {
        use std::rc::Rc;
        let jobs = vec![
            job("test-a", "a", None, "linux64", "opt"),
            job("test-b", "b", None, "linux64", "opt"),
            job("test-c", "c", None, "linux64", "opt"),
        ];
        let done = JobState {
            label: "test-c".into(),
            state: "success".into(),
            task_id: "id-c".into(),
            kind: "test".into(),
            tier: Some(2),
        };
        let mut early = EarlyJobs::default();
        early.add_page(0, &jobs[..2]);
        early.add_page(2, &jobs[2..]);
        let spare = early.spare.as_ref().map(Rc::as_ptr);
        assert_eq!(early.index.get("test-c"), Some(&2));
        // The first states go into the copy made page by page: no copy at that moment.
        let mut shown = Rc::new(jobs.clone());
        let drawn = shown.clone();
        assert_eq!(early.apply(&mut shown, vec![done.clone()]), 1);
        assert_eq!(Some(Rc::as_ptr(&shown)), spare);
        assert_eq!((&*shown[2].state, shown[2].tier), ("success", 2));
        assert_eq!(shown[2].task_id.as_deref(), Some("id-c"));
        assert_eq!(&*drawn[2].state, "runnable");
        // A page out of order is not copied; the first states then copy what is shown.
        let mut early = EarlyJobs::default();
        early.add_page(1, &jobs[1..]);
        assert!(early.index.is_empty());
        let mut shown = Rc::new(jobs);
        let before = Rc::as_ptr(&shown);
        let drawn = shown.clone();
        assert_eq!(early.apply(&mut shown, vec![done]), 1);
        assert_ne!(Rc::as_ptr(&shown), before);
        assert_eq!(
            (&*shown[2].state, &*drawn[2].state),
            ("success", "runnable")
        );
    }

    #[test]
    fn early_jobs_take_states_in_a_spare_copy_once_the_grid_lets_go_of_it() {
        use std::rc::Rc;
        let state = |label: &str, state: &str| JobState {
            label: label.into(),
            state: state.into(),
            task_id: format!("id-{label}"),
            kind: "test".into(),
            tier: None,
        };
        let mut shown = Rc::new(vec![
            job("test-a", "a", None, "linux64", "opt"),
            job("test-b", "b", None, "linux64", "opt"),
        ]);
        let mut early = EarlyJobs::default();
        let first = Rc::as_ptr(&shown);
        // The grid holds what it drew: the first page of states goes to a copy.
        let drawn = shown.clone();
        assert_eq!(early.apply(&mut shown, vec![state("test-a", "success")]), 1);
        assert!(!Rc::ptr_eq(&drawn, &shown));
        assert_eq!(
            (&*shown[0].state, &*drawn[0].state),
            ("success", "runnable")
        );
        assert!(early.spare_is(&drawn));
        // The grid drew the new copy and let go of the old one: the next page goes into the
        // old copy in place, which catches up on the page it missed.
        drop(drawn);
        let drawn = shown.clone();
        let old_ptr = Rc::as_ptr(&drawn);
        assert_eq!(
            early.apply(
                &mut shown,
                vec![state("test-b", "testfailed"), state("nope", "x")]
            ),
            1
        );
        assert_eq!(Rc::as_ptr(&shown), first, "the first copy, reused");
        assert_ne!(Rc::as_ptr(&shown), old_ptr);
        let states: Vec<&str> = shown.iter().map(|j| &*j.state).collect();
        assert_eq!(states, ["success", "testfailed"]);
        assert_eq!(shown[1].task_id.as_deref(), Some("id-test-b"));
        // Still held: a copy again, equally right.
        let held = shown.clone();
        early.apply(&mut shown, vec![state("test-a", "exception")]);
        let states: Vec<&str> = shown.iter().map(|j| &*j.state).collect();
        assert_eq!(states, ["exception", "testfailed"]);
        assert_eq!(&*held[0].state, "success");
    }

    #[test]
    fn listed_states_update_their_jobs_only() {
        let mut jobs = std::rc::Rc::new(vec![
            job("build-linux64/opt", "B", None, "linux64", "opt"),
            job("test-linux64/opt-m-1", "1", Some("M"), "linux64", "opt"),
        ]);
        let states = vec![
            JobState {
                label: "build-linux64/opt".into(),
                state: "success".into(),
                task_id: "T1".into(),
                kind: "build".into(),
                tier: Some(2),
            },
            JobState {
                label: "not-in-the-grid".into(),
                state: "testfailed".into(),
                task_id: "T2".into(),
                kind: "test".into(),
                tier: None,
            },
        ];
        assert_eq!(EarlyJobs::default().apply(&mut jobs, states), 1);
        assert_eq!(
            (
                &*jobs[0].state,
                jobs[0].task_id.as_deref(),
                &*jobs[0].kind,
                jobs[0].tier
            ),
            ("success", Some("T1"), "build", 2)
        );
        assert!(jobs[1].is_runnable());
        assert_eq!(jobs[1].task_id, None);
    }

    #[test]
    fn rows_grouped_in_steps_are_the_rows_grouped_at_once() {
        let platforms = ["linux64", "win64", "macosx1015-64"];
        let options = ["opt", "debug", "asan"];
        let groups = [None, Some("M"), Some("R"), Some("?")];
        let mut jobs: Vec<Job> = (0..500)
            .map(|i| {
                let mut j = job(
                    &format!("job-{i:03}"),
                    &format!("{}", i % 17),
                    groups[i % 4],
                    platforms[i % 3],
                    options[(i / 3) % 3],
                );
                j.tier = 1 + (i as u64 % 7) % 3;
                j
            })
            .collect();
        prepare(&mut jobs);
        for filter in [
            Filter {
                runnable: true,
                ..Filter::treeherder_default()
            },
            Filter {
                runnable: true,
                text: "win m".into(),
                ..Filter::treeherder_default()
            },
        ] {
            let whole = rows(&jobs, &filter);
            assert!(!whole.is_empty());
            for count in [1, 7, 100, 499] {
                let mut builder = RowsBuilder::default();
                let mut steps = 1;
                while !builder.step(&jobs, &filter, count) {
                    steps += 1;
                }
                assert_eq!(steps, 500usize.div_ceil(count));
                assert_eq!(builder.finish(&jobs), whole, "{count} a step");
            }
        }
    }

    #[test]
    fn natural_order_compares_numbers() {
        let mut symbols = vec!["R10", "R2", "R1", "bc", "R02a"];
        symbols.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(symbols, ["R1", "R2", "R02a", "R10", "bc"]);
    }

    #[test]
    fn rows_group_jobs_like_treeherder() {
        let mut jobs = vec![
            job("test-linux64/opt-m-10", "10", Some("M"), "linux64", "opt"),
            job("test-linux64/opt-m-2", "2", Some("M"), "linux64", "opt"),
            job("build-linux64/opt", "B", None, "linux64", "opt"),
            job("build-linux64/debug", "B", None, "linux64", "debug"),
            job("build-win64/opt", "B", None, "win64", "opt"),
        ];
        jobs[4].tier = 3;
        let filter = Filter {
            runnable: true,
            ..Filter::treeherder_default()
        };
        let rows = rows(&jobs, &filter);
        let titles: Vec<&str> = rows.iter().map(|r| r.title.as_str()).collect();
        // Tier 3 is hidden by default.
        assert_eq!(titles, ["Linux x64 opt", "Linux x64 debug"]);
        let opt = &rows[0];
        assert_eq!(opt.groups.len(), 2);
        assert_eq!(opt.groups[0].symbol, "");
        assert_eq!(opt.groups[1].symbol, "M");
        let symbols: Vec<&str> = opt.groups[1]
            .jobs
            .iter()
            .map(|&i| &*jobs[i].symbol)
            .collect();
        assert_eq!(symbols, ["2", "10"]);
        // Runnable jobs only show in "Add new jobs" mode; the quick filter ANDs words.
        assert!(super::rows(&jobs, &Filter::treeherder_default()).is_empty());
        let filtered = Filter {
            text: "x64 M 1".into(),
            ..filter
        };
        let rows = super::rows(&jobs, &filtered);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].groups[0].jobs, [0]);
        // Prepared jobs filter the same.
        let mut prepared = jobs.clone();
        prepare(&mut prepared);
        assert_eq!(super::rows(&prepared, &filtered), rows);
    }

    #[test]
    fn search_follows_fzf_syntax() {
        let jobs = vec![
            job(
                "test-linux64/opt-mochitest-1",
                "1",
                Some("M"),
                "linux64",
                "opt",
            ),
            job(
                "test-linux64/debug-mochitest-1",
                "1",
                Some("M"),
                "linux64",
                "debug",
            ),
            job(
                "test-windows10-64/opt-mochitest-1",
                "1",
                Some("M"),
                "windows10-64",
                "opt",
            ),
            job("test-linux64/opt-xpcshell-1", "X1", None, "linux64", "opt"),
        ];
        let labels = |q: &str| -> Vec<&str> {
            let mut found: Vec<&str> = search(&jobs, q)
                .into_iter()
                .map(|i| &*jobs[i].label)
                .collect();
            found.sort();
            found
        };
        assert_eq!(
            labels("'linux64 mochi"),
            [
                "test-linux64/debug-mochitest-1",
                "test-linux64/opt-mochitest-1"
            ]
        );
        assert_eq!(
            labels("^test-windows"),
            ["test-windows10-64/opt-mochitest-1"]
        );
        assert_eq!(labels("xpcshell-1$"), ["test-linux64/opt-xpcshell-1"]);
        // `^label$`: exactly that label, not every label it starts.
        assert_eq!(
            labels("^test-linux64/opt-mochitest-1$"),
            ["test-linux64/opt-mochitest-1"]
        );
        assert_eq!(labels("^test-linux64/opt-mochitest").len(), 1);
        assert!(labels("^test-linux64/opt-mochitest$").is_empty());
        assert_eq!(
            labels("mochitest !debug !windows"),
            ["test-linux64/opt-mochitest-1"]
        );
        // Fuzzy: letters in order, gaps allowed, best match first; symbols count too.
        let best = |q: &str| search(&jobs, q).first().map(|&i| &*jobs[i].label);
        assert_eq!(best("lnx xpcshel"), Some("test-linux64/opt-xpcshell-1"));
        assert_eq!(labels("lnx xpc").len(), 2);
        assert_eq!(best("x1"), Some("test-linux64/opt-xpcshell-1"));
        assert!(labels("").is_empty());
        assert!(labels("'nothing-like-this").is_empty());
    }

    #[test]
    fn url_state_round_trips() {
        let state = UrlState {
            root_url: Some("http://127.0.0.1:8010".into()),
            decision_task_id: Some("NssSampleDecision00001".into()),
            selected: vec!["test-linux32/opt a&b".into(), "build-x".into()],
            search: "'linux !debug".into(),
            times: 3,
            runnable: true,
            login_client_id: Some("preview tool".into()),
            login_scopes: vec![
                "hooks:trigger-hook:project-nss/*".into(),
                "queue:get-artifact:*".into(),
            ],
        };
        let query = state.to_query();
        assert!(!query.contains(' '));
        assert_eq!(UrlState::parse(&query), state);
        assert_eq!(UrlState::parse("").times, 1);
        assert_eq!(UrlState::parse("?times=500").times, 100);
        assert_eq!(
            UrlState::parse("?loginScope=a%20b&loginScope=c").login_scopes,
            ["a", "b", "c"]
        );
    }
}
