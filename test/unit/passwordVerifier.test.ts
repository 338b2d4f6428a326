// The verifier of the cluster's current admin password (adapters/passwordVerifier.ts):
// it confirms exactly the user and password it was made from, holds neither, and
// passwordAccess lets a read-only look log in only with a confirmed password.
import { strict as assert } from "node:assert";
import { confirms, makeVerifier, passwordAccess } from "../../components/adapters/passwordVerifier";

const PW = "Verif1er-Pw-77a0";

describe("password verifier", () => {
    it("confirms its own user and password only; holds neither; a fresh salt every time", () => {
        const v = makeVerifier("admin", PW);
        assert.ok(confirms(v, "admin", PW));
        for (const [user, pw] of [
            ["admin", `${PW}x`],
            ["admin", PW.slice(0, -1)],
            ["root", PW],
            ["admin", ""],
            [`admin\u0000${PW}`, ""],
            ["admin", `${PW}\u0000`],
        ]) {
            assert.ok(!confirms(v, user, pw), `${user} / ${pw}`);
        }
        assert.ok(!v.includes(PW) && !v.includes("admin"));
        assert.notStrictEqual(makeVerifier("admin", PW), v, "salted");
    });
    it("a missing, empty or malformed verifier confirms nothing", () => {
        const v = makeVerifier("admin", PW);
        for (const bad of [undefined, "", "scrypt1$", v.replace(/^scrypt1/, "scrypt2"), v.slice(0, -8), "x$y$z"])
            assert.ok(!confirms(bad, "admin", PW), String(bad));
    });
    it("passwordAccess: the password when confirmed; otherwise why, and no password", () => {
        const v = makeVerifier("admin", PW);
        assert.deepStrictEqual(passwordAccess("admin", PW, v), { password: PW });
        const pending = passwordAccess("admin", "New-Pw-1", v);
        assert.ok("unknown" in pending && /a rotation is pending/.test(pending.unknown) && !pending.unknown.includes("New-Pw-1"));
        const none = passwordAccess("admin", PW, undefined);
        assert.ok("unknown" in none && /no record of the cluster's current admin password/.test(none.unknown) && !none.unknown.includes(PW));
        assert.ok("unknown" in passwordAccess("admin", PW, ""));
        assert.ok("unknown" in passwordAccess("ops", PW, v), "another user is not confirmed");
    });
});
