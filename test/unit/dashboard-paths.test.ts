import { describe, expect, it } from 'vitest';
import { shortPath } from '../../web/src/paths.js';

describe('dashboard: paths', () => {
  it("shows paths below cao-server's home as ~/…, and others as they are", () => {
    expect(shortPath('/home/user/project', '/home/user')).toBe('~/project');
    expect(shortPath('/home/user', '/home/user')).toBe('~');
    expect(shortPath('/home/username/project', '/home/user')).toBe('/home/username/project');
    expect(shortPath('/srv/repo', '/home/user')).toBe('/srv/repo');
    expect(shortPath('/srv/repo', '/')).toBe('/srv/repo');
    expect(shortPath('/srv/repo', '')).toBe('/srv/repo');
  });
});
