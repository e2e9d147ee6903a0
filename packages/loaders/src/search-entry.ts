export { expandOrigin, searchCandidates, searchSteps } from './search.js';
export type { Candidate, SearchOptions, SearchStep } from './search.js';
export { normalizePath, posixLocations, urlLocations } from './paths.js';
export type { Locations } from './paths.js';
