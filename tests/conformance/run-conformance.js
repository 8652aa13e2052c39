#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-3.0-or-later
'use strict';
// Runs the fuzzing server on a free loopback port against one client, compares the verdicts with an expected-results
// file and fails on any regression (a case whose verdict got worse than recorded). Every process it starts is killed
// before it exits, also on failure or signal.
//
//   node run-conformance.js --agent ws   --expected expected-ws.json   [common options]   (no --client: the ws agent)
//   node run-conformance.js --agent qtws --client /path/to/qtws-cat --expected expected-qtws.json [common options]
// common options:
//   --report-dir DIR        where index.json and <agent>.txt go (default: ./reports)
//   --cases PATTERNS        run only these cases ("1.*,6.4.*")
//   --agent-script FILE     echo agent script in agents/ when no --client is given (default ws-echo-agent.js)
//   --exact                 every verdict must equal the expected one, known failures are not listed (self-test:
//                           proves the fuzzer detects the violations of a broken client)
//   --jobs N                client processes at once in per-case mode (default 1)
//   --write-expected        (re)write the expected file from this run instead of comparing
// Exit status: 0 pass, 1 regression or error, 77 skipped (expected file missing; ctest SKIP_RETURN_CODE).

const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { FuzzingServer, selectCases, formatTable, countVerdicts, kRank } = require('./fuzzingserver');

const kSkip = 77;
// After the server has judged a case, how long the client process may take to exit before it is killed.
const kClientExitGraceMs = 2000;
// Extra time beyond a case's budget before a client process that never finished the case is killed.
const kClientKillExtraMs = 5000;

const args = process.argv.slice(2);
const opt = (name, def) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : def;
};
const flag = (name) => args.includes(name);

const agent = opt('--agent');
const expectedPath = opt('--expected');
const clientPath = opt('--client');
const reportDir = path.resolve(opt('--report-dir', 'reports'));
const jobs = Math.max(1, Number(opt('--jobs', 1)));
const writeExpected = flag('--write-expected');
const exact = flag('--exact');
const agentScript = path.join(__dirname, 'agents', path.basename(opt('--agent-script', 'ws-echo-agent.js')));

const children = new Set();

/** Kills a child and everything in its process group (it was started as a group leader). */
function killTree(child) {
    if (child.exitCode !== null || child.signalCode !== null)
        return;
    try {
        process.kill(-child.pid, 'SIGKILL');
    } catch {
        try {
            child.kill('SIGKILL');
        } catch {
            // already gone
        }
    }
}

function killChildren() {
    for (const child of children)
        killTree(child);
}
process.on('exit', killChildren);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
        killChildren();
        process.exit(1);
    });
}

// coreutils timeout(1) bounds every child even if this runner is killed with SIGKILL (e.g. by a ctest timeout) and
// cannot clean up itself.
const kTimeoutTool = ['/usr/bin/timeout', '/bin/timeout'].find((p) => fs.existsSync(p));

function startChild(command, argv, { logTo, hardLimitMs } = {}) {
    const [cmd, cmdArgs] = kTimeoutTool && hardLimitMs
        ? [kTimeoutTool, ['-s', 'KILL', `${Math.ceil(hardLimitMs / 1000)}s`, command, ...argv]]
        : [command, argv];
    const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    children.add(child);
    let tail = '';
    const keep = (d) => {
        tail = (tail + d.toString()).slice(-2000);
        if (logTo)
            logTo.write(d);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.exited = new Promise((resolve) => child.on('close', (code, signal) => {
        children.delete(child);
        resolve({ code, signal, tail });
    }));
    child.on('error', (e) => {
        tail += `\nspawn error: ${e.message}`;
    });
    return child;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref());

async function runAgentScript(server, port) {
    const budget = server.cases.reduce((s, c) => s + c.budget, 0) * 1000 + 30000;
    const child = startChild(process.execPath, [agentScript,
        '--url', `ws://127.0.0.1:${port}`, '--agent', agent], { hardLimitMs: budget + 10000 });
    const timer = setTimeout(() => killTree(child), budget);
    const { code, signal, tail } = await child.exited;
    clearTimeout(timer);
    if (code !== 0)
        process.stdout.write(`ws agent exited with ${code ?? signal}: ${tail.trim()}\n`);
}

async function runClientPerCase(server, port) {
    const notes = [];
    let next = 0;
    const worker = async () => {
        while (next < server.cases.length) {
            const index = next++;
            const c = server.cases[index];
            const url = `ws://127.0.0.1:${port}/runCase?case=${index + 1}&agent=${encodeURIComponent(agent)}`;
            const limit = c.budget * 1000 + kClientKillExtraMs;
            const child = startChild(clientPath, ['--echo', '--no-proxy', url], { hardLimitMs: limit + 10000 });
            const killer = setTimeout(() => killTree(child), limit);
            const result = await Promise.race([server.waitForResult(agent, c.id, limit), child.exited.then(() => null)]);
            if (result || child.exitCode !== null || child.signalCode !== null) {
                // Either judged already, or the client is gone: give the server (or the client) a moment more.
                const settle = result ? child.exited : server.waitForResult(agent, c.id, kClientExitGraceMs);
                await Promise.race([settle, sleep(kClientExitGraceMs)]);
            }
            if (child.exitCode === null && child.signalCode === null) {
                notes.push(`${c.id}: client did not exit within ${kClientExitGraceMs} ms after the case ended; killed`);
                killTree(child);
            }
            clearTimeout(killer);
            const { tail } = await child.exited;
            const r = server.results.get(agent)?.get(c.id);
            if (r && r.verdict !== 'OK' && tail.trim())
                r.clientOutput = tail.trim().split('\n').slice(-3).join(' | ');
        }
    };
    await Promise.all(Array.from({ length: jobs }, worker));
    return notes;
}

function loadExpected(file) {
    const data = JSON.parse(fs.readFileSync(file, 'utf8'));
    return { verdicts: data.verdicts || {}, knownFailures: data['known-failures'] || {} };
}

function writeExpectedFile(file, rows, previous) {
    const verdicts = {};
    const known = {};
    for (const r of rows) {
        verdicts[r.id] = r.verdict;
        if (!exact && (r.verdict === 'FAILED' || r.verdict === 'MISSING'))
            known[r.id] = previous?.knownFailures?.[r.id] || r.reason;
    }
    const doc = {
        agent,
        note: exact
            ? 'Self-test: the exact verdicts the fuzzer must give this deliberately broken client. Regenerate with ' +
              'run-conformance.js --exact --write-expected only after checking every changed verdict by hand.'
            : 'Verdicts of the conformance fuzzer for this client. Regenerate with run-conformance.js ' +
              '--write-expected; every FAILED case must stay listed in known-failures with a one-line reason.',
        verdicts,
        'known-failures': known,
    };
    fs.writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
}

async function main() {
    if (!agent || !expectedPath) {
        process.stderr.write('usage: run-conformance.js --agent NAME --expected FILE [--client PATH] [options]\n');
        return 1;
    }
    const perCase = Boolean(clientPath);
    if (!writeExpected && !fs.existsSync(expectedPath)) {
        process.stdout.write(`SKIP: ${expectedPath} does not exist; run with --write-expected to record the ` +
            `verdicts of agent "${agent}" first.\n`);
        return kSkip;
    }
    const server = new FuzzingServer({ reportDir, cases: selectCases(opt('--cases')) });
    const port = await server.listen(0, '127.0.0.1');
    const started = Date.now();
    process.stdout.write(`fuzzing server on ws://127.0.0.1:${port}, ${server.cases.length} cases, agent "${agent}"` +
        `${perCase ? ` (${path.basename(clientPath)} per case, ${jobs} at once)` : ''}\n`);
    let notes = [];
    try {
        if (perCase)
            notes = await runClientPerCase(server, port);
        else
            await runAgentScript(server, port);
    } finally {
        killChildren();
    }
    // Let a case whose connection is still closing finish before reporting.
    const pending = server.cases.filter((c) => !server.results.get(agent)?.get(c.id));
    if (pending.length && pending.length < server.cases.length)
        await Promise.all(pending.map((c) => server.waitForResult(agent, c.id, 3000)));
    server.writeReports([agent]);
    await server.close();
    const rows = server.resultsFor(agent);
    process.stdout.write(`ran in ${((Date.now() - started) / 1000).toFixed(1)} s; reports in ${reportDir}\n\n`);
    process.stdout.write(formatTable(agent, rows));
    for (const n of notes)
        process.stdout.write(`note: ${n}\n`);

    if (writeExpected) {
        let previous = null;
        try {
            previous = loadExpected(expectedPath);
        } catch {
            previous = null;
        }
        writeExpectedFile(expectedPath, rows, previous);
        process.stdout.write(`\nwrote ${expectedPath}\n`);
        return 0;
    }

    const expected = loadExpected(expectedPath);
    const regressions = [];
    const improvements = [];
    for (const r of rows) {
        const want = expected.verdicts[r.id];
        if (want === undefined) {
            if (kRank[r.verdict] >= kRank.FAILED)
                regressions.push(`${r.id}: ${r.verdict} (new case, no expected verdict): ${r.reason}`);
            continue;
        }
        if (exact ? r.verdict !== want : kRank[r.verdict] > kRank[want])
            regressions.push(`${r.id}: expected ${want}, got ${r.verdict}: ${r.reason}`);
        else if (r.verdict !== want)
            improvements.push(`${r.id}: expected ${want}, got ${r.verdict}`);
    }
    for (const [id, reason] of Object.entries(exact ? {} : expected.knownFailures)) {
        if (expected.verdicts[id] !== 'FAILED' && expected.verdicts[id] !== 'MISSING')
            regressions.push(`${id}: listed in known-failures ("${reason}") but its expected verdict is ${expected.verdicts[id]}`);
    }
    for (const [id, want] of Object.entries(expected.verdicts)) {
        if (!exact && (want === 'FAILED' || want === 'MISSING') && !expected.knownFailures[id])
            regressions.push(`${id}: expected verdict ${want} without a known-failures entry`);
    }
    const counts = countVerdicts(rows);
    process.stdout.write(`\nverdicts: ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
    if (Object.keys(expected.knownFailures).length)
        process.stdout.write(`known failures: ${Object.keys(expected.knownFailures).join(' ')}\n`);
    for (const i of improvements)
        process.stdout.write(`better than expected (update ${path.basename(expectedPath)}): ${i}\n`);
    if (regressions.length) {
        process.stdout.write(`\n${regressions.length} regression(s) against ${path.basename(expectedPath)}:\n`);
        for (const r of regressions)
            process.stdout.write(`  ${r}\n`);
        return 1;
    }
    process.stdout.write(`no regression against ${path.basename(expectedPath)}\n`);
    return 0;
}

main().then((code) => {
    killChildren();
    process.exit(code);
}, (e) => {
    process.stderr.write(`run-conformance: ${e.stack || e}\n`);
    killChildren();
    process.exit(1);
});
