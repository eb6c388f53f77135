import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';

// noble's synchronous sign and verify need a SHA-512: pure JavaScript, no Node.js built-in, so
// workflows can verify signatures themselves. A module of its own, loaded once: a worker shares
// noble between its workflows and freezes it (worker/workflow-bundle-options.ts), so this
// assignment must run before that, and never again from a workflow.
ed.hashes.sha512 = sha512;
