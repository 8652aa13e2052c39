// SPDX-License-Identifier: LGPL-3.0-or-later
'use strict';
// Runs one case on one connection and judges it the way Autobahn does:
//  - behavior: the events received from the client (messages, pongs, pings, and the case's own "timeout" marks)
//    are compared with each expected sequence; the first that matches gives the verdict, none gives FAILED;
//  - behaviorClose: whether the right endpoint started the close, whether a required close handshake completed,
//    and whether the client's close code was one of the expected ones (WRONG CODE);
//  - UTF-8 cases: a close started by the wrong endpoint fails the case, whatever was echoed;
//  - case hooks may adjust both (group 7 turns WRONG CODE into FAILED; informational cases).
// The single verdict this suite reports combines both columns: see verdictOf().

const { FAILED, OK, NON_STRICT, INFORMATIONAL } = require('./cases');
const { encodeFrameHeader } = require('./wsproto');

const kHardStopExtraSeconds = 2;

function eventsEqual(a, b) {
    if (a.length !== b.length)
        return false;
    for (let i = 0; i < a.length; ++i) {
        const x = a[i];
        const y = b[i];
        if (x.length !== y.length || x[0] !== y[0])
            return false;
        for (let k = 1; k < x.length; ++k) {
            if (Buffer.isBuffer(x[k]) || Buffer.isBuffer(y[k])) {
                if (!Buffer.isBuffer(x[k]) || !Buffer.isBuffer(y[k]) || !x[k].equals(y[k]))
                    return false;
            } else if (x[k] !== y[k]) {
                return false;
            }
        }
    }
    return true;
}

function describeEvents(events, limit = 6) {
    const one = (e) => {
        const parts = e.slice(1).map((v) => {
            if (!Buffer.isBuffer(v))
                return JSON.stringify(v);
            const shown = v.length > 24 ? `${v.subarray(0, 24).toString('hex')}...` : v.toString('hex');
            return `${v.length}B:${shown}`;
        });
        return `${e[0]}(${parts.join(', ')})`;
    };
    const shown = events.slice(0, limit).map(one);
    if (events.length > limit)
        shown.push(`... ${events.length - limit} more`);
    return `[${shown.join(', ')}]`;
}

const kRank = { [OK]: 0, [INFORMATIONAL]: 0, [NON_STRICT]: 1, [FAILED]: 2, MISSING: 2 };

/**
 * The one verdict per case this suite compares: Autobahn's behavior column, made FAILED when its close column says
 * the close was wrong (FAILED: wrong endpoint; UNCLEAN: required close handshake missing) and NON-STRICT when only
 * the close code was unexpected (Autobahn paints WRONG CODE in the non-strict colour).
 */
function verdictOf(behavior, behaviorClose) {
    let v = [OK, NON_STRICT, INFORMATIONAL].includes(behavior) ? behavior : FAILED;
    if (behaviorClose === FAILED || behaviorClose === 'UNCLEAN')
        v = FAILED;
    else if (behaviorClose === 'WRONG CODE' && kRank[v] < kRank[NON_STRICT])
        v = NON_STRICT;
    return v;
}

class CaseContext {
    constructor(peer, caseDef, agent) {
        this.peer = peer;
        this.caseDef = caseDef;
        this.agent = agent;
        this.received = [];
        this.expected = [];
        this.expectedCloseSpec = null;
        this.suppressClose = false;
        this.started = new Date();
        this.startMs = Date.now();
        this.done = new Promise((resolve) => {
            this.resolveDone = resolve;
        });
        peer.on('message', (payload, binary) => this.record(['message', payload, binary]));
        peer.on('pong', (payload) => this.record(['pong', payload]));
        peer.on('ping', (payload) => this.record(['ping', payload]));
        peer.on('lost', () => this.finish());
    }

    start() {
        this.hardStop = setTimeout(() => {
            this.hardStopped = true;
            this.peer.destroy();
        }, (this.caseDef.budget + kHardStopExtraSeconds) * 1000);
        try {
            this.caseDef.run(this);
        } catch (e) {
            this.internalError = e;
            this.peer.destroy();
        }
    }

    // ---- API for case definitions

    get state() {
        return this.peer.state;
    }

    expect(verdict, events) {
        this.expected.push([verdict, events]);
    }

    expectClose(spec) {
        this.expectedCloseSpec = spec;
    }

    mark(event) {
        this.received.push(event);
    }

    sendFrame(opts) {
        this.peer.sendFrame(opts);
    }

    sendRaw(data, opts) {
        this.peer.sendRaw(data, opts);
    }

    frameHeader(opts) {
        return encodeFrameHeader(opts);
    }

    sendMessage(payload, opts) {
        this.peer.sendMessage(payload, opts);
    }

    sendClose(codeOrOptions) {
        this.peer.sendClose(typeof codeOrOptions === 'number' ? { code: codeOrOptions } : codeOrOptions);
    }

    continueLater(seconds, fn) {
        this.peer.after(seconds, fn);
    }

    killAfter(seconds) {
        this.peer.after(seconds, () => {
            this.killed = true;
            this.peer.fail(1001, `case deadline (${seconds} s) passed with the connection still open`);
        });
    }

    closeAfter(seconds) {
        this.peer.after(seconds, () => this.peer.sendClose({ code: 1000 }));
    }

    // ---- bookkeeping

    record(event) {
        this.received.push(event);
        // Autobahn's finishWhenDone: once the events match every expected sequence, start the normal close.
        if (this.expected.length && this.expected.every(([, e]) => eventsEqual(this.received, e))) {
            const spec = this.expectedCloseSpec;
            if (spec && spec.closedByMe && !this.suppressClose)
                this.peer.sendClose({ code: spec.codes[0] });
        }
    }

    finish() {
        if (this.result)
            return;
        clearTimeout(this.hardStop);
        const p = this.peer;
        const spec = this.expectedCloseSpec || { closedByMe: true, codes: [1000], requireClean: true };
        const r = {
            id: this.caseDef.id,
            agent: this.agent,
            description: this.caseDef.description,
            expectation: this.caseDef.expectation,
            started: this.started.toISOString(),
            duration: Date.now() - this.startMs,
            behavior: FAILED,
            result: 'Actual events differ from any expected.',
            behaviorClose: FAILED,
            resultClose: '',
        };
        for (const [verdict, events] of this.expected) {
            if (eventsEqual(this.received, events)) {
                r.behavior = verdict;
                r.result = 'Actual events match at least one expected.';
                break;
            }
        }
        if (spec.closedByMe !== p.closedByMe) {
            r.behaviorClose = FAILED;
            r.resultClose = spec.closedByMe
                ? 'The client started the close, but the fuzzer was expected to'
                : 'The fuzzer had to close: the client did not fail the connection';
        } else if (spec.requireClean && !p.wasClean) {
            r.behaviorClose = 'UNCLEAN';
            r.resultClose = 'The spec requires a completed closing handshake here';
        } else if (p.remoteCloseCode !== null && !spec.codes.includes(p.remoteCloseCode)) {
            r.behaviorClose = 'WRONG CODE';
            r.resultClose = `The close code should have been ${spec.codes.join(',')} or empty, got ${p.remoteCloseCode}`;
        } else {
            r.behaviorClose = OK;
            r.resultClose = 'Connection was properly closed';
        }
        if (spec.wrongEndpointFatal && spec.closedByMe !== p.closedByMe) {
            r.behavior = FAILED;
            r.result = 'The client did not fail the connection on invalid UTF-8.';
        }
        if (this.caseDef.onLost)
            this.caseDef.onLost(r);
        if (this.internalError) {
            r.behavior = FAILED;
            r.result = `fuzzer error: ${this.internalError.message}`;
        }
        r.verdict = verdictOf(r.behavior, r.behaviorClose);
        r.expected = this.expected.map(([v, e]) => `${v}: ${describeEvents(e)}`);
        r.received = describeEvents(this.received);
        Object.assign(r, {
            closedByMe: p.closedByMe,
            failedByMe: p.failedByMe,
            droppedByMe: p.droppedByMe,
            wasClean: p.wasClean,
            localCloseCode: p.localCloseCode,
            remoteCloseCode: p.remoteCloseCode,
            remoteCloseReason: p.remoteCloseReason,
            fuzzerFailReason: p.failReason,
            killed: !!this.killed,
            hardStopped: !!this.hardStopped,
        });
        const why = r.result === r.resultClose ? r.result : `${r.result} ${r.resultClose}.`;
        r.reason = r.verdict === OK ? '' : `${why} received ${r.received}` +
            (p.failReason ? `; fuzzer failed the connection: ${p.failReason}` : '') +
            (p.remoteCloseCode !== null ? `; client close code ${p.remoteCloseCode}` : '');
        this.result = r;
        this.resolveDone(r);
    }
}

module.exports = { CaseContext, verdictOf, kRank, eventsEqual };
