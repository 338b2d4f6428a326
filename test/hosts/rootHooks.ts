// Mocha root hooks (loaded by .mocharc and the test:* scripts): the namespace test hosts a run
// made are removed when the whole run ends, also when a test failed.
import { hostsDown } from "./namespaceHosts";

export const mochaHooks = {
    async afterAll(this: Mocha.Context) {
        this.timeout(120_000);
        await hostsDown();
    },
};
