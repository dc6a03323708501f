/**
 * The software a handoff package needs to be served, as a CycloneDX 1.5 JSON SBOM, and the
 * Dockerfile that installs only that on a slim Node image.
 */
import { randomUUID } from 'node:crypto';
import type { LockPackage, RuntimeClosure } from './package-runtime.js';

/** `pkg:npm/%40scope/name@version` (the purl spec percent-encodes the scope's `@`). */
export function npmPurl(name: string, version: string): string {
  const encoded = name.startsWith('@') ? `%40${name.slice(1)}` : name;
  return `pkg:npm/${encoded}@${encodeURIComponent(version)}`;
}

/** npm's `sha512-<base64>` integrity as CycloneDX's hex hash. */
function hashes(pkg: LockPackage): Array<{ alg: string; content: string }> {
  const match = /^sha(512|384|256|1)-([A-Za-z0-9+/=]+)$/.exec(pkg.integrity ?? '');
  if (!match) return [];
  const alg = match[1] === '1' ? 'SHA-1' : `SHA-${match[1]}`;
  return [{ alg, content: Buffer.from(match[2]!, 'base64').toString('hex') }];
}

function component(pkg: LockPackage) {
  const slash = pkg.name.startsWith('@') ? pkg.name.indexOf('/') : -1;
  const purl = npmPurl(pkg.name, pkg.version);
  return {
    type: 'library',
    'bom-ref': `${purl}#${pkg.lockPath}`,
    ...(slash > 0 ? { group: pkg.name.slice(0, slash), name: pkg.name.slice(slash + 1) } : { name: pkg.name }),
    version: pkg.version,
    purl,
    scope: 'required',
    ...(pkg.license ? { licenses: [{ license: { name: pkg.license } }] } : {}),
    hashes: hashes(pkg),
  };
}

/** The SBOM: MLDesk (the application serving it), the model, and every runtime npm package. */
export function cycloneDxSbom(closure: RuntimeClosure, model: { name: string; version: string; weightsSha256: string }, time = Date.now()): string {
  const ref = (pkg: LockPackage) => `${npmPurl(pkg.name, pkg.version)}#${pkg.lockPath}`;
  const mldeskRef = `pkg:npm/mldesk@${closure.mldeskVersion}`;
  const bom = {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: new Date(time).toISOString(),
      tools: { components: [{ type: 'application', name: 'mldesk', version: closure.mldeskVersion }] },
      component: {
        type: 'machine-learning-model',
        'bom-ref': `model:${model.name}/${model.version}`,
        name: model.name,
        version: model.version,
        hashes: [{ alg: 'SHA-256', content: model.weightsSha256 }],
      },
    },
    components: [
      { type: 'application', 'bom-ref': mldeskRef, name: 'mldesk', version: closure.mldeskVersion, purl: mldeskRef, description: 'mldesk serve-model: the prediction server' },
      ...closure.packages.map(component),
    ],
    dependencies: [
      { ref: `model:${model.name}/${model.version}`, dependsOn: [mldeskRef] },
      { ref: mldeskRef, dependsOn: closure.roots.map(ref) },
      ...closure.packages.map((pkg) => ({ ref: ref(pkg), dependsOn: pkg.dependsOn.map((path) => ref(closure.packages.find((p) => p.lockPath === path)!)) })),
    ],
  };
  return `${JSON.stringify(bom, null, 2)}\n`;
}

/**
 * The Dockerfile. Its build context holds the package file, docker/package.json and package-lock.json,
 * and MLDesk's `bin/` and `dist/` under `mldesk/`. In a container the server must listen on every
 * interface, which MLDesk allows only with a token: `docker run -e MLDESK_TOKEN=…`.
 */
export function dockerfile(packageFile: string, model: { name: string; version: string }): string {
  return `# Serves ${model.name} version ${model.version} from its signed handoff package.
# Build context: ${packageFile}, package.json and package-lock.json (docker/ in the package: the
# serving runtime only, the versions and integrity hashes of MLDesk's lock and of sbom.cdx.json) and
# MLDesk's bin/ and dist/ in mldesk/.
#   docker build -t ${dockerTag(model)} .
#   docker run -p 8080:8080 -e MLDESK_TOKEN=<secret> ${dockerTag(model)}
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /opt/mldesk
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force
COPY mldesk/bin ./bin
COPY mldesk/dist/electron ./dist/electron
COPY mldesk/dist/shared ./dist/shared
COPY ${packageFile} /model/${packageFile}
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080
# The package is verified (signature and every hash) and installed into the empty /data at start.
ENTRYPOINT ["node", "/opt/mldesk/bin/mldesk.js", "serve-model", "--package", "/model/${packageFile}", "--port", "8080", "--host", "0.0.0.0", "--data-dir", "/data"]
`;
}

export function dockerTag(model: { name: string; version: string }): string {
  return `${model.name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-')}:${model.version}`;
}
