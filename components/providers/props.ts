// What a provider method returns crosses the provider host as a
// google.protobuf.Struct, which refuses `undefined` ("Unexpected struct
// type."): results are built through this, which leaves such keys out.
export function definedOnly<T extends object>(o: T): T {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** `o` without `keys` (an output a new result must not carry over). */
export function without<T extends object>(o: T, keys: readonly string[]): T {
    return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k))) as T;
}
