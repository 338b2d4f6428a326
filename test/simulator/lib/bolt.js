// @ts-check
"use strict";
// TuGraph simulator (test double): the Bolt 4.x server as TuGraph speaks it.

const net = require("net");
const { MessageWriter, MessageReader, toBoltValue } = require("./packstream");

const MSG = {
    HELLO: 0x01,
    GOODBYE: 0x02,
    RESET: 0x0f,
    RUN: 0x10,
    BEGIN: 0x11,
    COMMIT: 0x12,
    ROLLBACK: 0x13,
    DISCARD: 0x2f,
    PULL: 0x3f,
    ROUTE: 0x66,
    SUCCESS: 0x70,
    RECORD: 0x71,
    IGNORED: 0x7e,
    FAILURE: 0x7f,
};

class BoltError extends Error {
    /** @param {string} code @param {string} message */
    constructor(code, message) {
        super(message);
        this.code = code;
    }
}

/**
 * @typedef {{fields: string[], records: any[][], type?: string}} QueryResult
 * @typedef {{
 *   authenticate(user: string, password: string): boolean,
 *   run(query: string, params: Record<string, any>, meta: {db?: string}, session: {user: string}): Promise<QueryResult>,
 *   route(): {ttl: number, servers: {addresses: string[], role: string}[]} | null,
 *   log(msg: string): void,
 * }} BoltBackend
 */

/**
 * @param {BoltBackend} backend
 * @param {number} port
 * @param {string} bindHost
 *
 * Plain TCP only, as TuGraph (src/bolt uses a plain tcp::socket; ssl_auth only
 * makes the web port HTTPS): a TLS ClientHello is no Bolt handshake and is
 * treated like any failed handshake (closed, nothing written). See
 * docs/tugraph-facts.md.
 */
function startBoltServer(backend, port, bindHost) {
    let connSeq = 0;
    const sockets = new Set();
    /** @param {net.Socket} socket */
    const onConnection = (socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => {});
        socket.setNoDelay(true);
        const connId = `bolt-${++connSeq}`;
        let handshaken = false;
        let pending = Buffer.alloc(0);
        /** @type {MessageWriter} */
        const writer = new MessageWriter(socket);
        let authed = false;
        const session = { user: "" };
        let failed = false;
        /** @type {{fields: string[], records: any[][], type: string} | null} */
        let result = null;
        const queue = [];
        let busy = false;

        const reader = new MessageReader((m) => {
            queue.push(m);
            pump();
        });

        async function pump() {
            if (busy) return;
            busy = true;
            try {
                while (queue.length && !socket.destroyed) {
                    const m = queue.shift();
                    await handle(m);
                }
            } catch (e) {
                backend.log(`bolt ${connId}: ${e && e.stack}`);
                socket.destroy();
            } finally {
                busy = false;
            }
        }

        function success(meta) {
            writer.send(MSG.SUCCESS, [meta || {}]);
        }
        function failure(code, message) {
            writer.send(MSG.FAILURE, [{ code, message }]);
        }

        /** @param {{signature: number, fields: any[]}} m */
        async function handle(m) {
            const sig = m.signature;
            if (sig === MSG.GOODBYE) {
                socket.end();
                return;
            }
            if (sig === MSG.RESET) {
                failed = false;
                result = null;
                success({});
                return;
            }
            if (!authed) {
                if (sig !== MSG.HELLO) {
                    failure("Neo.ClientError.Request.Invalid", "HELLO expected");
                    socket.end();
                    return;
                }
                const extra = m.fields[0] || {};
                const user = String(extra.principal ?? "");
                const password = String(extra.credentials ?? "");
                if (!backend.authenticate(user, password)) {
                    // TuGraph logs a failed login at ERROR WITH the attempted password in clear
                    // (bolt_handler.cpp:351-354), and answers code "error" (docs/tugraph-facts.md).
                    backend.log(`ERROR: bolt authentication failed, user:${user}, password:${password}`);
                    failure("error", "Authentication failed");
                    socket.end();
                    return;
                }
                authed = true;
                session.user = String(extra.principal ?? "");
                success({ server: "Neo4j/tugraph-db", connection_id: connId });
                return;
            }
            if (failed) {
                writer.send(MSG.IGNORED, []);
                return;
            }
            switch (sig) {
                case MSG.RUN: {
                    const [query, params, extra] = m.fields;
                    const graphName = extra && extra.db !== undefined && extra.db !== null ? String(extra.db) : "";
                    if (graphName === "" && !/^\s*CALL\s+db\.bolt\./i.test(String(query))) {
                        // A RUN without `db` is accepted with an empty graph name: a bare CALL db.bolt.* works,
                        // anything else fails (docs/tugraph-facts.md).
                        failed = true;
                        result = null;
                        failure("error", "Graph name cannot be empty.");
                        return;
                    }
                    try {
                        const r = await backend.run(String(query), params || {}, extra || {}, session);
                        result = { fields: r.fields, records: r.records, type: r.type || "r" };
                        success({ fields: r.fields, t_first: 0, qid: 0 });
                    } catch (e) {
                        failed = true;
                        result = null;
                        if (e instanceof BoltError) failure(e.code, e.message);
                        else failure("Neo.DatabaseError.General.UnknownError", String(e && e.message));
                    }
                    return;
                }
                case MSG.PULL: {
                    if (!result) {
                        success({ has_more: false });
                        return;
                    }
                    const n = m.fields[0] && typeof m.fields[0].n === "number" ? m.fields[0].n : -1;
                    const take = n < 0 ? result.records.length : Math.min(n, result.records.length);
                    for (const rec of result.records.splice(0, take)) {
                        writer.send(MSG.RECORD, [rec.map(toBoltValue)]);
                    }
                    if (result.records.length) {
                        success({ has_more: true });
                        return;
                    }
                    const type = result.type;
                    result = null;
                    success({ has_more: false, type, t_last: 0, db: "default" });
                    return;
                }
                case MSG.DISCARD: {
                    const type = result ? result.type : "r";
                    result = null;
                    success({ has_more: false, type, db: "default" });
                    return;
                }
                case MSG.BEGIN:
                case MSG.COMMIT:
                case MSG.ROLLBACK: {
                    failed = true;
                    const name = sig === MSG.BEGIN ? "BEGIN" : sig === MSG.COMMIT ? "COMMIT" : "ROLLBACK";
                    failure("error", `Receive ${name}, but explicit transactions are not currently supported.`);
                    return;
                }
                case MSG.ROUTE: {
                    const rt = backend.route();
                    if (!rt) {
                        // With raft off TuGraph closes the connection without a reply.
                        backend.log(`bolt ${connId}: ROUTE with bolt raft off, closing`);
                        socket.destroy();
                        return;
                    }
                    success({ rt: { ttl: rt.ttl, db: "default", servers: rt.servers } });
                    return;
                }
                default:
                    backend.log(`bolt ${connId}: unknown bolt message 0x${sig.toString(16)}, closing`);
                    socket.destroy();
            }
        }

        socket.on("data", (data) => {
            if (handshaken) {
                reader.push(data);
                return;
            }
            pending = Buffer.concat([pending, data]);
            if (pending.length < 20) return;
            if (pending.readUInt32BE(0) !== 0x6060b017) {
                // Not Bolt (a TLS ClientHello starts 16 03 ...): closed, nothing written.
                backend.log(`bolt ${connId}: not a bolt handshake${pending[0] === 0x16 ? " (a TLS ClientHello: TuGraph's Bolt has no TLS)" : ""}, closing`);
                socket.destroy();
                return;
            }
            let chosen = null;
            for (let i = 0; i < 4; i++) {
                const p = pending.subarray(4 + i * 4, 8 + i * 4);
                if (p[3] === 4) {
                    chosen = Buffer.from(p);
                    break;
                }
            }
            const rest = pending.subarray(20);
            pending = Buffer.alloc(0);
            if (!chosen) {
                backend.log(`bolt ${connId}: No matching bolt version found`);
                socket.end(); // TuGraph closes without writing a reply
                return;
            }
            handshaken = true;
            socket.write(chosen);
            if (rest.length) reader.push(rest);
        });
    };
    const server = net.createServer(onConnection);
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, bindHost, () => {
            server.off("error", reject);
            resolve({
                server,
                close() {
                    for (const s of sockets) s.destroy();
                    server.close();
                },
            });
        });
    });
}

module.exports = { startBoltServer, BoltError };
