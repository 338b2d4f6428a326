// Lint: typescript-eslint's recommended rules over the TypeScript sources and the
// simulator's plain JS, formatting left to prettier (eslint-config-prettier).
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import prettier from "eslint-config-prettier";
import globals from "globals";

export default tseslint.config(
    { ignores: ["node_modules/**", "bin/**", "test/fixtures/provider-text/**", "tmp-scratch/**"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        languageOptions: { globals: { ...globals.node, ...globals.mocha } },
        rules: {
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
        },
    },
    {
        // The tests read JSON (engine events, stack exports, provider rows) without a schema; the product has no `any`
        // (the providers' props are typed once, in components/providers/shape.ts).
        files: ["test/**/*.ts"],
        rules: { "@typescript-eslint/no-explicit-any": "off" },
    },
    {
        // Dynamic providers require their dependencies inside the calls (they run from serialized text);
        // the simulator and the test helpers are CommonJS.
        files: ["components/adapters/**/*.ts", "components/providers/**/*.ts", "test/**/*.ts", "test/**/*.js"],
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
    prettier,
);
