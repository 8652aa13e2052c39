// SPDX-License-Identifier: LGPL-3.0-or-later
'use strict';
// The server side of one WebSocket connection, after the opening handshake. It sends exactly the bytes a test case
// asks for (also invalid ones), checks everything the client sends back as strictly as RFC 6455 requires of a
// server, runs the closing handshake, and records what Autobahn records to judge a case: who started the close
// (closedByMe), whether this side failed or dropped the connection, whether the close handshake completed (wasClean)
// and the close code the client sent.

const { EventEmitter } = require('node:events');
const {
    Opcode,
    CloseCode,
    kMaxControlPayload,
    kMaxMessageBytes,
    toBuffer,
    encodeFrame,
    Utf8Validator,
    isValidUtf8,
    isValidCloseCode,
    ProtocolError,
    FrameParser,
} = require('./wsproto');

const State = Object.freeze({ Open: 'OPEN', Closing: 'CLOSING', Closed: 'CLOSED' });

// How long we wait for the client's close frame after sending ours, and for the TCP connection to go away after the
// closing handshake, before dropping it (Autobahn uses 1 s for its close handshake timeout as well).
const kCloseHandshakeTimeoutMs = 1000;
const kDropTimeoutMs = 1000;
// Pause between chopped writes so that each chop leaves in its own TCP segment (TCP_NODELAY is set).
const kChopPauseMs = 1;

class FuzzPeer extends EventEmitter {
    constructor(socket) {
        super();
        this.socket = socket;
        this.state = State.Open;
        this.closedByMe = false;
        this.failedByMe = false;
        this.droppedByMe = false;
        this.closeSent = false;
        this.closeReceived = false;
        this.wasClean = false;
        this.localCloseCode = null;
        this.remoteCloseCode = null;
        this.remoteCloseReason = null;
        this.failReason = null;
        this.txFrames = {};
        this.queue = [];
        this.pumping = false;
        this.timers = new Set();
        this.parser = new FrameParser();
        this.message = null; // { binary, parts, size, utf8 } while a fragmented message is open
        socket.on('close', () => this.onSocketClosed());
        socket.on('error', () => {}); // 'close' follows
        socket.on('end', () => {
            // The client half-closed: RFC 6455 §7.1.1 wants the server to close the TCP connection first, so a
            // client that does so before the handshake completes simply ends the connection.
            this.socket.end();
        });
    }

    // ---- timers bound to the connection lifetime

    after(seconds, fn) {
        const t = setTimeout(() => {
            this.timers.delete(t);
            if (this.state !== State.Closed)
                fn();
        }, Math.round(seconds * 1000));
        this.timers.add(t);
        return t;
    }

    // ---- output

    enqueue(item) {
        this.queue.push(item);
        this.pump();
    }

    async pump() {
        if (this.pumping)
            return;
        this.pumping = true;
        while (this.queue.length) {
            const item = this.queue.shift();
            if (this.socket.destroyed || !this.socket.writable) {
                this.queue.length = 0;
                break;
            }
            if (item.end) {
                this.socket.end();
                continue;
            }
            this.socket.write(item.data);
            if (item.pause)
                await new Promise((resolve) => setTimeout(resolve, item.pause));
        }
        this.pumping = false;
    }

    /** Writes raw bytes, optionally split into chops of `chopsize` bytes, each in its own write. */
    sendRaw(data, { chopsize = 0, sync = false } = {}) {
        if (chopsize > 0) {
            for (let i = 0; i < data.length; i += chopsize)
                this.enqueue({ data: data.subarray(i, i + chopsize), pause: kChopPauseMs });
        } else {
            this.enqueue({ data, pause: sync ? kChopPauseMs : 0 });
        }
    }

    /**
     * Sends one frame exactly as described. `payloadLen` repeats `payload` up to that length (Autobahn's way of
     * building large payloads).
     */
    sendFrame({ opcode, payload, fin = true, rsv = 0, payloadLen, chopsize = 0, sync = false }) {
        let body = toBuffer(payload);
        if (payloadLen !== undefined) {
            const out = Buffer.alloc(payloadLen);
            for (let i = 0; i < payloadLen; i += body.length)
                body.copy(out, i, 0, Math.min(body.length, payloadLen - i));
            body = out;
        }
        this.txFrames[opcode] = (this.txFrames[opcode] || 0) + 1;
        this.sendRaw(encodeFrame({ opcode, payload: body, fin, rsv }), { chopsize, sync });
    }

    /** Sends a message, in frames of `fragSize` payload bytes when given (the last frame may be shorter). */
    sendMessage(payload, { binary = false, fragSize = 0 } = {}) {
        const body = toBuffer(payload);
        const first = binary ? Opcode.Binary : Opcode.Text;
        if (!fragSize || body.length <= fragSize) {
            this.sendFrame({ opcode: first, payload: body });
            return;
        }
        for (let i = 0; i < body.length; i += fragSize) {
            const end = Math.min(i + fragSize, body.length);
            this.sendFrame({
                opcode: i === 0 ? first : Opcode.Continuation,
                payload: body.subarray(i, end),
                fin: end === body.length,
            });
        }
    }

    /**
     * Starts the closing handshake (RFC 6455 §5.5.1): sends a close frame with `code` (none when null) and `reason`,
     * or a literal `payload` when given (used to send invalid close frames). Ignored unless the connection is open;
     * further close frames are sent with sendFrame().
     */
    sendClose({ code = null, reason, payload } = {}) {
        if (this.state !== State.Open)
            return;
        let body;
        if (payload !== undefined) {
            body = toBuffer(payload);
        } else if (code === null) {
            body = Buffer.alloc(0);
        } else {
            const r = toBuffer(reason);
            body = Buffer.alloc(2 + r.length);
            body.writeUInt16BE(code, 0);
            r.copy(body, 2);
        }
        this.setState(State.Closing);
        this.closedByMe = !this.closeReceived;
        this.closeSent = true;
        this.localCloseCode = code;
        this.sendFrame({ opcode: Opcode.Close, payload: body });
        this.after(kCloseHandshakeTimeoutMs / 1000, () => this.drop());
    }

    /** Fails the WebSocket connection (RFC 6455 §7.1.7): a close frame with `code` if still possible, then drop. */
    fail(code, why) {
        if (this.state === State.Closed)
            return;
        this.failedByMe = true;
        if (!this.failReason)
            this.failReason = why;
        if (this.state === State.Open)
            this.sendClose({ code });
        else
            this.drop();
    }

    /** Closes the TCP connection from our side (after flushing what is queued), destroying it if it lingers. */
    drop() {
        if (this.state === State.Closed)
            return;
        if (!this.dropping) {
            this.dropping = true;
            this.droppedByMe = true;
            this.enqueue({ end: true });
            this.after(kDropTimeoutMs / 1000, () => this.socket.destroy());
        }
    }

    /** Tears the connection down at once (deadline passed or server shutting down). */
    destroy() {
        if (this.state !== State.Closed) {
            this.droppedByMe = true;
            this.socket.destroy();
        }
    }

    setState(state) {
        if (this.state === state)
            return;
        this.state = state;
    }

    onSocketClosed() {
        for (const t of this.timers)
            clearTimeout(t);
        this.timers.clear();
        this.queue.length = 0;
        if (this.state === State.Closed)
            return;
        this.setState(State.Closed);
        this.emit('lost');
    }

    // ---- input

    receive(chunk) {
        if (this.state === State.Closed || this.closeReceived)
            return;
        if (this.streamBroken)
            return;
        let frames;
        try {
            frames = this.parser.push(chunk);
        } catch (e) {
            if (e instanceof ProtocolError) {
                this.streamBroken = true; // no frame boundary to resync on
                this.fail(e.closeCode, e.message);
                return;
            }
            throw e;
        }
        for (const f of frames) {
            if (this.closeReceived || this.state === State.Closed)
                return;
            // Once we failed the connection only the client's close frame still matters (it completes the
            // closing handshake); everything else it sends is discarded (RFC 6455 §7.1.7).
            if (this.failedByMe && f.opcode !== Opcode.Close)
                continue;
            this.onFrame(f);
        }
    }

    onFrame(f) {
        // RFC 6455 §5.1: a server MUST close the connection on an unmasked client frame.
        if (!f.masked)
            return this.fail(CloseCode.ProtocolError, 'client sent an unmasked frame (RFC 6455 §5.1)');
        // RFC 6455 §5.2: RSV bits are 0 unless an extension was negotiated (we negotiate none).
        if (f.rsv !== 0)
            return this.fail(CloseCode.ProtocolError, `client frame has RSV=${f.rsv} without extension (RFC 6455 §5.2)`);
        if (f.opcode >= 0x8) {
            if (![Opcode.Close, Opcode.Ping, Opcode.Pong].includes(f.opcode))
                return this.fail(CloseCode.ProtocolError, `client sent reserved control opcode ${f.opcode}`);
            // RFC 6455 §5.5: control frames are short and never fragmented.
            if (!f.fin || f.payload.length > kMaxControlPayload)
                return this.fail(CloseCode.ProtocolError, 'client sent a fragmented or oversized control frame');
            if (f.opcode === Opcode.Close)
                return this.onCloseFrame(f.payload);
            if (f.opcode === Opcode.Ping) {
                this.emit('ping', f.payload);
                if (this.state === State.Open)
                    this.sendFrame({ opcode: Opcode.Pong, payload: f.payload });
                return;
            }
            this.emit('pong', f.payload);
            return;
        }
        if (![Opcode.Continuation, Opcode.Text, Opcode.Binary].includes(f.opcode))
            return this.fail(CloseCode.ProtocolError, `client sent reserved data opcode ${f.opcode}`);
        // RFC 6455 §5.4: continuation frames only inside a message, new messages only outside one.
        if (f.opcode === Opcode.Continuation) {
            if (!this.message)
                return this.fail(CloseCode.ProtocolError, 'client sent a continuation frame outside a message');
        } else {
            if (this.message)
                return this.fail(CloseCode.ProtocolError, 'client started a new message inside a fragmented one');
            this.message = {
                binary: f.opcode === Opcode.Binary,
                parts: [],
                size: 0,
                utf8: f.opcode === Opcode.Text ? new Utf8Validator() : null,
            };
        }
        const m = this.message;
        m.size += f.payload.length;
        if (m.size > kMaxMessageBytes)
            return this.fail(CloseCode.MessageTooBig, `client message exceeds ${kMaxMessageBytes} bytes`);
        m.parts.push(f.payload);
        // RFC 6455 §8.1: text must be valid UTF-8, checked as it arrives.
        if (m.utf8 && !m.utf8.feed(f.payload))
            return this.fail(CloseCode.InvalidPayload, 'client sent a text message that is not valid UTF-8');
        if (!f.fin)
            return;
        this.message = null;
        if (m.utf8 && !m.utf8.complete)
            return this.fail(CloseCode.InvalidPayload, 'client sent a text message ending inside a UTF-8 sequence');
        this.emit('message', Buffer.concat(m.parts), m.binary);
    }

    onCloseFrame(payload) {
        this.closeReceived = true;
        let code = null;
        let reason = '';
        let error = null;
        // RFC 6455 §5.5.1: a close body is empty or starts with a 2-byte code followed by UTF-8 text.
        if (payload.length === 1) {
            error = [CloseCode.ProtocolError, 'client close frame has a 1-byte body'];
        } else if (payload.length >= 2) {
            code = payload.readUInt16BE(0);
            const r = payload.subarray(2);
            if (!isValidCloseCode(code))
                error = [CloseCode.ProtocolError, `client sent invalid close code ${code}`];
            else if (!isValidUtf8(r))
                error = [CloseCode.InvalidPayload, 'client close reason is not valid UTF-8'];
            else
                reason = r.toString('utf8');
        }
        this.remoteCloseCode = code;
        this.remoteCloseReason = reason;
        this.emit('closeFrame', code, reason);
        if (this.state === State.Open) {
            // The client started the closing handshake: answer with its code (RFC 6455 §5.5.1), or fail.
            if (error) {
                this.failedByMe = true;
                this.failReason = error[1];
                this.sendClose({ code: error[0] });
            } else {
                this.sendClose({ code });
            }
        }
        // Both close frames are out: the closing handshake is complete and the server closes TCP (RFC 6455 §7.1.1).
        this.wasClean = true;
        this.drop();
    }
}

module.exports = { FuzzPeer, State };
