// @ts-check
"use strict";
// TuGraph simulator (test double): Bolt message framing on top of the
// PackStream codec that ships inside neo4j-driver (neo4j-driver-bolt-connection).
// We do not hand-write the codec; we only adapt its Packer/Unpacker to a
// server-side socket.

const path = require("path");

function req(mod) {
    // Works both from the repo (node_modules up the tree) and inside the image
    // (/opt/tugraph-simulator/node_modules).
    return require(mod);
}

const bc = path.dirname(require.resolve("neo4j-driver-bolt-connection/package.json"));
const ps = req(path.join(bc, "lib/packstream/packstream-v1.js"));
const { Structure } = req(path.join(bc, "lib/packstream/structure.js"));
const chunking = req(path.join(bc, "lib/channel/chunking.js"));
const ChannelBuffer = req(path.join(bc, "lib/channel/channel-buf.js")).default;
const core = req("neo4j-driver-core");

/** Wrap a JS integer so the packer writes a PackStream INTEGER (plain numbers become FLOAT). */
function int(n) {
    return core.int(n);
}

/** A node value (Bolt 4 Node struct: id, labels, properties). */
function nodeStruct(id, labels, props) {
    const p = {};
    for (const [k, v] of Object.entries(props)) p[k] = toBoltValue(v);
    return new Structure(0x4e, [int(id), labels, p]);
}

/** Converts a plain stored value to a Bolt value: integral numbers become INTEGER. */
function toBoltValue(v) {
    if (typeof v === "number" && Number.isInteger(v)) return int(v);
    if (v && typeof v === "object" && v.__float !== undefined) return Number(v.__float);
    if (Array.isArray(v)) return v.map(toBoltValue);
    return v;
}

/**
 * Writes Bolt messages to a socket, chunked.
 */
class MessageWriter {
    /** @param {import('net').Socket} socket */
    constructor(socket) {
        this.socket = socket;
        this.chunker = new chunking.Chunker({
            write: (buf) => {
                if (!socket.destroyed) socket.write(Buffer.from(buf._buffer));
            },
        });
        this.packer = new ps.Packer(this.chunker);
    }
    /** @param {number} signature @param {any[]} fields */
    send(signature, fields) {
        this.packer.packStruct(
            signature,
            fields.map((f) => this.packer.packable(f)),
        );
        this.chunker.messageBoundary();
        this.chunker.flush();
    }
}

/**
 * Reassembles chunked Bolt messages from a byte stream and unpacks them.
 */
class MessageReader {
    /** @param {(msg: {signature: number, fields: any[]}) => void} onMessage */
    constructor(onMessage) {
        this.onMessage = onMessage;
        this.buf = Buffer.alloc(0);
        this.parts = [];
        this.unpacker = new ps.Unpacker(true /* integers as JS numbers */);
    }
    /** @param {Buffer} data */
    push(data) {
        this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
        for (;;) {
            if (this.buf.length < 2) return;
            const size = this.buf.readUInt16BE(0);
            if (size === 0) {
                this.buf = this.buf.subarray(2);
                if (this.parts.length === 0) continue; // NOOP chunk
                const msg = Buffer.concat(this.parts);
                this.parts = [];
                const s = this.unpacker.unpack(new ChannelBuffer(msg));
                this.onMessage({ signature: s.signature, fields: s.fields });
                continue;
            }
            if (this.buf.length < 2 + size) return;
            this.parts.push(this.buf.subarray(2, 2 + size));
            this.buf = this.buf.subarray(2 + size);
        }
    }
}

module.exports = { MessageWriter, MessageReader, int, nodeStruct, toBoltValue, Structure };
