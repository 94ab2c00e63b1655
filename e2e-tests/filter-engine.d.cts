// Types of filter-engine.cjs for the Playwright specs.
import type { FiltersEngine } from '@ghostery/adblocker';

export declare const LISTS: string[];
export declare function buildEngine(dir?: string): FiltersEngine;
export declare function check(engine: FiltersEngine, url: string, source: string, type: string):
  { blocked: boolean; rule: string | null };
