// Reads the conformance CLI's results (`-o DIR`: one `server-<scenario>-<time>/checks.json`
// per scenario) against expected-failures.yaml, prints one line per scenario with its outcome
// and the baseline's reason, and exits 1 on anything unexpected:
// - a failing scenario (a FAILURE or WARNING check) that the baseline does not list;
// - a listed scenario that passes (stale entry), or that did not run (misspelt);
// - a baseline entry without a `# reason`;
// - a failing check of a listed scenario whose error matches no `failure_patterns` entry (the
//   scenario fails, but not in the expected way);
// - in a scenario of `partial`, a failing check that is not named there, or a named check that
//   now passes.
// The CLI's own `--expected-failures` check does the scenario-level part too; this one adds
// the checks of the partly passing scenarios, which the CLI cannot baseline.
//   node check-results.mjs RESULTS_DIR expected-failures.yaml
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

const [resultsDir, baselineFile] = process.argv.slice(2);
const text = readFileSync(baselineFile, "utf-8");
const baseline = parse(text) ?? {};
const expected = (baseline.server ?? []).map(String);
const partial = baseline.partial ?? {};
const problems = [];

// The reason of each entry of `server` is its line's comment, which the YAML parser drops.
const reasons = new Map();
let inServer = false;
for (const line of text.split("\n")) {
    if (/^\S/.test(line) && !line.startsWith("#")) inServer = line.startsWith("server:");
    const m = inServer && line.match(/^\s+-\s+([\w./-]+)\s*(?:#\s*(.*))?$/);
    if (m) reasons.set(m[1], (m[2] ?? "").trim());
}
const patterns = (baseline.failure_patterns ?? []).map((p) => new RegExp(p));
for (const name of expected) {
    if (!reasons.get(name)) problems.push(`${name}: baseline entry without a "# reason"`);
}
for (const name of Object.keys(partial)) {
    if (!expected.includes(name)) problems.push(`${name}: in \`partial\` but not in \`server\``);
}

const results = new Map();
for (const dir of readdirSync(resultsDir)) {
    const m = dir.match(/^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/);
    if (!m) continue;
    results.set(m[1], JSON.parse(readFileSync(join(resultsDir, dir, "checks.json"), "utf-8")));
}

const bad = (check) => check.status === "FAILURE" || check.status === "WARNING";
const counts = { pass: 0, expected: 0, unexpected: 0 };
for (const [scenario, checks] of [...results].sort()) {
    const failing = checks.filter(bad);
    const listed = expected.includes(scenario);
    let outcome;
    if (failing.length === 0) {
        outcome = listed ? "STALE (passes: remove it from the baseline)" : "pass";
    } else if (!listed) {
        outcome = "UNEXPECTED FAILURE";
    } else {
        outcome = "expected failure";
    }
    const notes = failing.map((c) => `${c.id} ${c.status}: ${c.errorMessage ?? ""}`.trim());
    const allowed = partial[scenario];
    if (listed && !allowed) {
        for (const c of failing) {
            if (!patterns.some((p) => p.test(c.errorMessage ?? ""))) {
                outcome = "UNEXPECTED FAILURE";
                notes.push(`check ${c.id} failed with an error that no failure_patterns entry matches`);
            }
        }
    }
    if (listed && allowed) {
        for (const c of failing) {
            if (!(c.id in allowed)) {
                outcome = "UNEXPECTED FAILURE";
                notes.push(`check ${c.id} is not expected to fail`);
            }
        }
        for (const id of Object.keys(allowed)) {
            if (!failing.some((c) => c.id === id)) {
                outcome = `STALE (check ${id} passes: remove it from the baseline)`;
            }
        }
    }
    const reason = listed ? `  # ${reasons.get(scenario)}` : "";
    console.log(`${outcome.padEnd(18)} ${scenario}${reason}`);
    if (outcome === "pass") {
        counts.pass++;
    } else if (outcome === "expected failure") {
        counts.expected++;
    } else {
        counts.unexpected++;
        problems.push(`${scenario}: ${outcome}`);
        for (const note of notes) console.log(`    ${note}`);
    }
}
for (const name of expected) {
    if (!results.has(name)) problems.push(`${name}: in the baseline but did not run (unknown scenario?)`);
}
if (results.size === 0) problems.push(`no results in ${resultsDir}`);

console.log(
    `conformance: ${counts.pass} passed, ${counts.unexpected} failed, ` +
        `${counts.expected} expected failures (of ${results.size} scenarios)`,
);
for (const p of problems) console.error(`error: ${p}`);
process.exit(problems.length ? 1 : 0);
