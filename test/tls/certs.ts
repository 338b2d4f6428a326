// Test certificates made with Debian's openssl (.ci/run installs it): a CA and a
// node key and certificate it signed for 127.0.0.1, which `tls` mounts for the web
// port's HTTPS (ssl_auth). TuGraph's Bolt has no TLS (docs/tugraph-facts.md), so no
// client verifies them: the tests only need a key and certificate TuGraph can open.
// Throwaway EC keys in a temp dir; never product code.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface CertPair {
    keyFile: string;
    certFile: string;
    cert: string; // PEM text
}

export interface TestPki {
    dir: string;
    ca: string; // PEM of the CA that signed `node`
    node: CertPair; // signed by `ca`, subjectAltName IP:127.0.0.1
    cleanup(): void;
}

function openssl(args: string[], cwd: string): void {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function makeCa(dir: string, name: string): void {
    openssl(
        [
            "req",
            "-x509",
            ...EC,
            "-keyout",
            `${name}.key`,
            "-out",
            `${name}.pem`,
            "-days",
            "2",
            "-subj",
            `/CN=${name}`,
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
        dir,
    );
}

function makeLeaf(dir: string, name: string, ca: string, san: string): CertPair {
    fs.writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
    openssl(["req", ...EC, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`], dir);
    openssl(
        [
            "x509",
            "-req",
            "-in",
            `${name}.csr`,
            "-CA",
            `${ca}.pem`,
            "-CAkey",
            `${ca}.key`,
            "-CAcreateserial",
            "-out",
            `${name}.pem`,
            "-days",
            "2",
            "-extfile",
            `${name}.ext`,
        ],
        dir,
    );
    return pair(dir, name);
}

function pair(dir: string, name: string): CertPair {
    const certFile = path.join(dir, `${name}.pem`);
    return { keyFile: path.join(dir, `${name}.key`), certFile, cert: fs.readFileSync(certFile, "utf8") };
}

/** Makes the set (about 0.1 s). */
export function makeTestPki(): TestPki {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tugraph-ha-pki-"));
    makeCa(dir, "ca");
    const node = makeLeaf(dir, "node", "ca", "IP:127.0.0.1");
    return { dir, ca: fs.readFileSync(path.join(dir, "ca.pem"), "utf8"), node, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A parseable CA certificate (valid until 2126): what an earlier stack's tugraph:tlsCa held, refused now (config tests). Its key was thrown away. */
export const FIXTURE_CA = fs.readFileSync(path.join(__dirname, "..", "fixtures", "tls", "ca.pem"), "utf8");

/** One set of test certificates for the enclosing describe (made before, removed after). */
export function useTestPki(): () => TestPki {
    let pki: TestPki | undefined;
    before(() => {
        pki = makeTestPki();
    });
    after(() => pki?.cleanup());
    return () => pki!;
}
