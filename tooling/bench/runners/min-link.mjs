// min-link: the least JavaScript that links a generated set correctly — a yardstick, not a
// linker (least-link.mjs). The gap between `dl-sync` and this runner is @dl's own work, the gap
// between this runner and the floor what any linker must add.
import { leastLink } from './least-link.mjs';

await leastLink({ read: false });
