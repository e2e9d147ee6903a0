export { expandOrigin, searchCandidates, searchSteps } from './search.js';
export { searchLoader, searchLoaderAsync, searchPlan } from './search-loader.js';
export type { Probed, SearchHit, SearchProbe } from './search-loader.js';
export type { Candidate, SearchOptions, SearchStep } from './search.js';
export { normalizePath, posixLocations, urlLocations } from './paths.js';
export type { Locations } from './paths.js';
