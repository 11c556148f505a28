/**
 * Mocha root hook (`--require dist/lab/mochaRelease.js`, as scripts/lab-tests.sh runs the lab
 * tests): off Debian 12, every top-level suite's title starts with the release, so a failure
 * reads "[Debian 13] lab: …" in the report. Debian 12 (CI) keeps today's titles.
 */
import { DEFAULT_RELEASE, labRelease } from "./lab";

/** The title prefix for a run on `release` ("" for the default release). */
export function releasePrefix(release: string): string {
    return release === DEFAULT_RELEASE ? "" : `[Debian ${release}] `;
}

export const mochaHooks = {
    beforeAll(this: Mocha.Context): void {
        const prefix = releasePrefix(labRelease());
        if (!prefix) return;
        // The root suite: its child suites begin (and print their titles) after this hook.
        const root = this.test?.parent;
        for (const suite of root?.suites ?? []) if (!suite.title.startsWith(prefix)) suite.title = prefix + suite.title;
    },
};
