// TuGraph does not resolve host names: every node address is an IPv4 literal.
// The one check, for the config schema and the admin client alike.
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpv4(v: unknown): boolean {
    return typeof v === "string" && IPV4.test(v);
}
