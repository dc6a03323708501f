import { describe, expect, it } from 'vitest';
import { Scrubber } from './anonymize.js';

const sources = { dataDir: '/home/ana/.config/MLDesk', artifactsRoot: '/home/ana/.config/MLDesk/artifacts', homeDir: '/home/ana', userName: 'ana', hostName: 'ana-laptop', anonymize: true };

describe('Scrubber', () => {
  it('gives the same person, host and path the same pseudonym everywhere, and scrubs free text of them', () => {
    const s = new Scrubber(sources);
    expect(s.person('ana')).toBe('user-1');
    expect(s.person('bob')).toBe('user-2');
    expect(s.person('ana')).toBe('user-1');
    expect(s.host('ana-laptop')).toBe('host-1');
    expect(s.path('/srv/projects/churn')).toBe('path-1');
    expect(s.path('mldesk train')).toBe('mldesk train');
    expect(s.fileName('customers-2024.csv')).toBe('file-1.csv');
    expect(s.text('bob approved; trained by ana on ana-laptop in /srv/projects/churn/src from customers-2024.csv')).toBe(
      'user-2 approved; trained by user-1 on host-1 in path-1/src from file-1.csv',
    );
  });

  it('replaces whole words only, and the longest original first', () => {
    const s = new Scrubber(sources);
    s.person('an');
    expect(s.text('banana ana an')).toBe('banana user-1 user-2');
    expect(s.text('ana-laptop')).toBe('host-1');
  });

  it('makes artifact and data-dir paths relative even without anonymising', () => {
    const s = new Scrubber({ ...sources, anonymize: false });
    expect(s.person('ana')).toBe('ana');
    expect(s.text('file:///home/ana/.config/MLDesk/artifacts/1/x and /home/ana/.config/MLDesk/blobs and /home/ana/code')).toBe(
      'mlflow-artifacts:/1/x and <data-dir>/blobs and ~/code',
    );
  });

  it('leaves binary and unchanged buffers alone', () => {
    const s = new Scrubber(sources);
    expect(s.buffer(Buffer.from([0, 1, 2, 97, 110, 97]))).toBeNull();
    expect(s.buffer(Buffer.from('nothing to see'))).toBeNull();
    expect(s.buffer(Buffer.from('by ana'))?.toString()).toBe('by user-1');
  });
});
