/**
 * Mocha's `require` (.mocharc.json): the suite reads the example stacks in test/fixtures/stacks,
 * never the project's own Pulumi.<stack>.yaml (users edit those). Every tool resolves stack files
 * through offline/stacks.ts, and the scripts the tests spawn inherit the setting.
 */
import { EXAMPLE_STACKS, TEST_STACKS_ENV } from "../offline/stacks";
import { mapOnlyErrorsWithAMessage } from "../offline/stack-traces";

process.env[TEST_STACKS_ENV] = EXAMPLE_STACKS;

mapOnlyErrorsWithAMessage();
