// @ts-check
"use strict";
// TuGraph simulator (test double): a tiny graph store and the small Cypher
// subset the tests need. NOT a Cypher implementation.
//
// Supported statements (case-insensitive keywords):
//   CALL db.dropDB()
//   CALL db.createVertexLabel('person', 'id', 'id', 'INT32', false, 'count', 'INT64', false)
//   CREATE (n:label {k: v, ...}) [, (m:label {...})]*
//   MATCH (n[:label] [{k: v}]) [WHERE n.k = v] RETURN count(n) | n | n.k [AS a], ...  [ORDER BY n.k [DESC]] [LIMIT k]
//   RETURN <literal> [AS a], ...
// Values: integers, floats, 'strings', "strings", true/false/null, $params, [lists].

const fs = require("fs");
const path = require("path");

class CypherError extends Error {
    constructor(message) {
        super(message);
        this.code = "CypherException";
    }
}

// ---------------------------------------------------------------- tokenizer
function tokenize(src) {
    const toks = [];
    let i = 0;
    while (i < src.length) {
        const c = src[i];
        if (/\s/.test(c)) {
            i++;
            continue;
        }
        if (c === "'" || c === '"') {
            let j = i + 1;
            let s = "";
            while (j < src.length && src[j] !== c) {
                if (src[j] === "\\" && j + 1 < src.length) {
                    s += src[j + 1];
                    j += 2;
                    continue;
                }
                s += src[j++];
            }
            if (j >= src.length) throw new CypherError("unterminated string literal");
            toks.push({ t: "str", v: s });
            i = j + 1;
            continue;
        }
        const num = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(src.slice(i));
        if (num && (c !== "-" || !toks.length || ["(", ",", "[", ":", "=", "{"].includes(String(toks[toks.length - 1].v)))) {
            const isFloat = num[1] !== undefined || num[2] !== undefined;
            toks.push({ t: "num", v: Number(num[0]), float: isFloat });
            i += num[0].length;
            continue;
        }
        const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
        if (id) {
            toks.push({ t: "id", v: id[0] });
            i += id[0].length;
            continue;
        }
        if (c === "`") {
            const j = src.indexOf("`", i + 1);
            if (j < 0) throw new CypherError("unterminated identifier");
            toks.push({ t: "id", v: src.slice(i + 1, j) });
            i = j + 1;
            continue;
        }
        const two = src.slice(i, i + 2);
        if (["<>", ">=", "<="].includes(two)) {
            toks.push({ t: "p", v: two });
            i += 2;
            continue;
        }
        if ("(){}[]:,.=$;*<>".includes(c)) {
            toks.push({ t: "p", v: c });
            i++;
            continue;
        }
        throw new CypherError(`unexpected character '${c}' in query`);
    }
    return toks;
}

class Parser {
    constructor(src, params) {
        this.toks = tokenize(src);
        this.i = 0;
        this.params = params || {};
    }
    peek(o = 0) {
        return this.toks[this.i + o];
    }
    done() {
        return this.i >= this.toks.length || (this.peek().v === ";" && this.i === this.toks.length - 1);
    }
    isKw(kw, o = 0) {
        const t = this.peek(o);
        return !!t && t.t === "id" && String(t.v).toUpperCase() === kw;
    }
    isP(p) {
        const t = this.peek();
        return !!t && t.t === "p" && t.v === p;
    }
    kw(kw) {
        if (!this.isKw(kw)) throw new CypherError(`expected ${kw} near ${this.where()}`);
        this.i++;
    }
    p(p) {
        if (!this.isP(p)) throw new CypherError(`expected '${p}' near ${this.where()}`);
        this.i++;
    }
    ident() {
        const t = this.peek();
        if (!t || t.t !== "id") throw new CypherError(`expected identifier near ${this.where()}`);
        this.i++;
        return String(t.v);
    }
    where() {
        const t = this.peek();
        return t ? `'${t.v}'` : "end of query";
    }
    value() {
        const t = this.peek();
        if (!t) throw new CypherError("unexpected end of query");
        if (t.t === "str") {
            this.i++;
            return t.v;
        }
        if (t.t === "num") {
            this.i++;
            return t.float && Number.isInteger(t.v) ? { __float: t.v } : t.v;
        }
        if (t.t === "p" && t.v === "$") {
            this.i++;
            const name = this.ident();
            if (!(name in this.params)) throw new CypherError(`Parameter $${name} not found`);
            return this.params[name];
        }
        if (t.t === "p" && t.v === "[") {
            this.i++;
            const out = [];
            while (!this.isP("]")) {
                out.push(this.value());
                if (this.isP(",")) this.i++;
            }
            this.i++;
            return out;
        }
        if (t.t === "id") {
            const u = String(t.v).toUpperCase();
            if (u === "TRUE") {
                this.i++;
                return true;
            }
            if (u === "FALSE") {
                this.i++;
                return false;
            }
            if (u === "NULL") {
                this.i++;
                return null;
            }
        }
        throw new CypherError(`expected a value near ${this.where()}`);
    }
    props() {
        const out = {};
        this.p("{");
        while (!this.isP("}")) {
            const k = this.peek().t === "str" ? (this.i++, String(this.toks[this.i - 1].v)) : this.ident();
            this.p(":");
            out[k] = this.value();
            if (this.isP(",")) this.i++;
        }
        this.p("}");
        return out;
    }
    /** (var[:label] [{props}]) */
    nodePattern() {
        this.p("(");
        let v = null;
        let label = null;
        let props = {};
        if (this.peek().t === "id") v = this.ident();
        if (this.isP(":")) {
            this.i++;
            label = this.ident();
        }
        if (this.isP("{")) props = this.props();
        this.p(")");
        return { v, label, props };
    }
}

/** Value normalisation from Bolt parameters: Integer-like objects to numbers. */
function plain(v) {
    if (v && typeof v === "object" && typeof v.toNumber === "function") return v.toNumber();
    if (Array.isArray(v)) return v.map(plain);
    return v;
}

function eq(a, b) {
    const na = a && typeof a === "object" && a.__float !== undefined ? Number(a.__float) : a;
    const nb = b && typeof b === "object" && b.__float !== undefined ? Number(b.__float) : b;
    return JSON.stringify(na) === JSON.stringify(nb);
}

function cmp(a, b) {
    const x = a && a.__float !== undefined ? Number(a.__float) : a;
    const y = b && b.__float !== undefined ? Number(b.__float) : b;
    if (x === y) return 0;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    return x < y ? -1 : 1;
}

/**
 * The graph: vertex labels and vertices, persisted as one JSON file written
 * atomically together with the applied raft index and the applied membership.
 */
class Graph {
    /** @param {string} directory */
    constructor(directory) {
        this.file = path.join(directory, "graph.json");
        this.state = { applied: 0, labels: {}, vertices: [], nextId: 0, membership: null, clusterId: null };
        if (fs.existsSync(this.file)) this.state = JSON.parse(fs.readFileSync(this.file, "utf8"));
    }
    exists() {
        return fs.existsSync(this.file);
    }
    save() {
        const tmp = `${this.file}.tmp`;
        fs.writeFileSync(tmp, JSON.stringify(this.state));
        fs.renameSync(tmp, this.file);
    }

    /** Parses a procedure argument list such as `4, '127.0.0.1', 7687, 8000`. */
    static parseArgs(text) {
        const ps = new Parser(`(${text})`, {});
        ps.p("(");
        const args = [];
        while (!ps.isP(")")) {
            args.push(ps.value());
            if (ps.isP(",")) ps.i++;
        }
        return args.map((a) => (a && typeof a === "object" && a.__float !== undefined ? Number(a.__float) : a));
    }

    /**
     * Classifies a statement without executing it.
     * @returns {'write'|'read'|'proc'}
     */
    static classify(query) {
        const q = query.trim();
        if (/^CALL\s+(db\.bolt\.|simulator\.)/i.test(q)) return "proc";
        if (/^CALL\s+db\.(dropDB|createVertexLabel|deleteLabel)\s*\(/i.test(q)) return "write";
        if (/^CALL\s+dbms\.security\.(changePassword|changeUserPassword)\s*\(/i.test(q)) return "write";
        if (/^\s*CREATE\b/i.test(q) || /\b(CREATE|SET|DELETE|MERGE|REMOVE)\b/i.test(q.replace(/'[^']*'|"[^"]*"/g, ""))) return "write";
        return "read";
    }

    /**
     * Executes a statement. Writes mutate state (caller persists).
     * @returns {{fields: string[], records: any[][], type: string}}
     */
    execute(query, rawParams, ctx = {}) {
        this.ctx = ctx;
        const params = {};
        for (const [k, v] of Object.entries(rawParams || {})) params[k] = plain(v);
        const ps = new Parser(query, params);
        if (ps.isKw("CALL")) return this.call(ps);
        if (ps.isKw("CREATE")) return this.create(ps);
        if (ps.isKw("MATCH")) return this.match(ps);
        if (ps.isKw("RETURN")) {
            ps.i++;
            const fields = [];
            const rec = [];
            for (;;) {
                const start = ps.i;
                const v = ps.value();
                let name = ps.toks
                    .slice(start, ps.i)
                    .map((t) => (t.t === "str" ? `'${t.v}'` : t.v))
                    .join("");
                if (ps.isKw("AS")) {
                    ps.i++;
                    name = ps.ident();
                }
                fields.push(name);
                rec.push(v);
                if (ps.isP(",")) {
                    ps.i++;
                    continue;
                }
                break;
            }
            return { fields, records: [rec], type: "r" };
        }
        throw new CypherError(`simulator: unsupported statement (the TuGraph simulator knows only a small Cypher subset): ${query}`);
    }

    call(ps) {
        ps.kw("CALL");
        const name = [ps.ident()];
        while (ps.isP(".")) {
            ps.i++;
            name.push(ps.ident());
        }
        const proc = name.join(".");
        ps.p("(");
        const args = [];
        while (!ps.isP(")")) {
            args.push(ps.value());
            if (ps.isP(",")) ps.i++;
        }
        ps.p(")");
        switch (proc) {
            case "db.dropDB":
                this.state.labels = {};
                this.state.vertices = [];
                this.state.nextId = 0;
                return { fields: [], records: [], type: "w" };
            case "db.createVertexLabel": {
                const [label, primary, ...rest] = args;
                if (typeof label !== "string" || typeof primary !== "string") throw new CypherError("createVertexLabel: bad arguments");
                if (this.state.labels[label]) throw new CypherError(`Vertex label ${label} already exists.`);
                const fields = {};
                for (let i = 0; i + 2 < rest.length + 1 && i < rest.length; i += 3) {
                    fields[rest[i]] = { type: String(rest[i + 1]).toUpperCase(), optional: !!rest[i + 2] };
                }
                if (!fields[primary]) throw new CypherError(`primary field ${primary} is not a field of ${label}`);
                this.state.labels[label] = { primary, fields };
                return { fields: [], records: [], type: "w" };
            }
            case "dbms.security.changePassword": {
                // (current_password, new_password) for the session's user
                const user = (this.ctx && this.ctx.user) || "admin";
                const users = this.state.users || { admin: "73@TuGraph" };
                if (args.length !== 2) throw new CypherError("changePassword(current_password, new_password)");
                if (users[user] !== args[0]) throw new CypherError("Incorrect password.");
                this.state.users = { ...users, [user]: String(args[1]) };
                return { fields: [], records: [], type: "w" };
            }
            case "dbms.security.changeUserPassword": {
                const users = this.state.users || { admin: "73@TuGraph" };
                if (args.length !== 2) throw new CypherError("changeUserPassword(user_name, new_password)");
                if (!(String(args[0]) in users)) throw new CypherError(`User ${args[0]} does not exist.`);
                this.state.users = { ...users, [String(args[0])]: String(args[1]) };
                return { fields: [], records: [], type: "w" };
            }
            default:
                throw new CypherError(`Plugin [${proc}] does not exist.`);
        }
    }

    create(ps) {
        ps.kw("CREATE");
        const made = [];
        for (;;) {
            const pat = ps.nodePattern();
            if (!pat.label) throw new CypherError("CREATE needs a vertex label");
            const lbl = this.state.labels[pat.label];
            if (!lbl) throw new CypherError(`Vertex label ${pat.label} does not exist.`);
            for (const k of Object.keys(pat.props)) {
                if (!lbl.fields[k]) throw new CypherError(`Field ${k} does not exist in label ${pat.label}.`);
            }
            for (const [k, f] of Object.entries(lbl.fields)) {
                if (!f.optional && (pat.props[k] === undefined || pat.props[k] === null)) throw new CypherError(`Field ${k} cannot be null.`);
            }
            const pk = pat.props[lbl.primary];
            if (this.state.vertices.some((v) => v.label === pat.label && eq(v.props[lbl.primary], pk))) {
                throw new CypherError(
                    `Failed to index vertex [${pat.label}] with field value [${lbl.primary}:${JSON.stringify(pk)}]: index value already exists.`,
                );
            }
            made.push({ id: this.state.nextId++, label: pat.label, props: pat.props });
            if (ps.isP(",")) {
                ps.i++;
                continue;
            }
            break;
        }
        this.state.vertices.push(...made);
        return { fields: [], records: [], type: "w" };
    }

    match(ps) {
        ps.kw("MATCH");
        const pat = ps.nodePattern();
        const v = pat.v || "_";
        let rows = this.state.vertices.filter(
            (x) => (!pat.label || x.label === pat.label) && Object.entries(pat.props).every(([k, val]) => eq(x.props[k], val)),
        );
        if (ps.isKw("WHERE")) {
            ps.i++;
            for (;;) {
                const vv = ps.ident();
                if (vv !== v) throw new CypherError(`unknown variable ${vv}`);
                ps.p(".");
                const k = ps.ident();
                const op = ps.peek().v;
                ps.i++;
                const val = ps.value();
                rows = rows.filter((x) => {
                    const c = cmp(x.props[k], val);
                    switch (op) {
                        case "=":
                            return eq(x.props[k], val);
                        case "<>":
                            return !eq(x.props[k], val);
                        case "<":
                            return c < 0;
                        case ">":
                            return c > 0;
                        case "<=":
                            return c <= 0;
                        case ">=":
                            return c >= 0;
                        default:
                            throw new CypherError(`unsupported operator ${op}`);
                    }
                });
                if (ps.isKw("AND")) {
                    ps.i++;
                    continue;
                }
                break;
            }
        }
        ps.kw("RETURN");
        const cols = [];
        for (;;) {
            let col;
            if (ps.isKw("COUNT") && ps.toks[ps.i + 1] && ps.toks[ps.i + 1].v === "(") {
                ps.i += 2;
                let arg = "*";
                if (ps.isP("*")) ps.i++;
                else arg = ps.ident();
                ps.p(")");
                col = { kind: "count", name: `count(${arg})` };
            } else {
                const vv = ps.ident();
                if (vv !== v) throw new CypherError(`Variable \`${vv}\` not defined`);
                if (ps.isP(".")) {
                    ps.i++;
                    const k = ps.ident();
                    col = { kind: "prop", key: k, name: `${v}.${k}` };
                } else col = { kind: "node", name: v };
            }
            if (ps.isKw("AS")) {
                ps.i++;
                col.name = ps.ident();
            }
            cols.push(col);
            if (ps.isP(",")) {
                ps.i++;
                continue;
            }
            break;
        }
        if (ps.isKw("ORDER")) {
            ps.i++;
            ps.kw("BY");
            const vv = ps.ident();
            if (vv !== v) throw new CypherError(`unknown variable ${vv}`);
            ps.p(".");
            const k = ps.ident();
            let desc = false;
            if (ps.isKw("DESC")) {
                ps.i++;
                desc = true;
            } else if (ps.isKw("ASC")) ps.i++;
            rows = [...rows].sort((a, b) => (desc ? -1 : 1) * cmp(a.props[k], b.props[k]));
        }
        if (ps.isKw("LIMIT")) {
            ps.i++;
            rows = rows.slice(0, Number(ps.value()));
        }
        if (!ps.done()) throw new CypherError(`simulator: unsupported clause near ${ps.where()}`);
        const fields = cols.map((c) => c.name);
        if (cols.some((c) => c.kind === "count")) {
            return { fields, records: [cols.map((c) => (c.kind === "count" ? rows.length : null))], type: "r" };
        }
        const { nodeStruct } = require("./packstream");
        const records = rows.map((x) =>
            cols.map((c) => (c.kind === "prop" ? (x.props[c.key] === undefined ? null : x.props[c.key]) : nodeStruct(x.id, [x.label], x.props))),
        );
        return { fields, records, type: "r" };
    }
}

module.exports = { Graph, CypherError };
