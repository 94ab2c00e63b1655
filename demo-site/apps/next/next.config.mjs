// Static export (no Node server): the collector serves out/ under /apps/next/out/, hence basePath.
export default {
  output: 'export',
  basePath: '/apps/next/out',
  trailingSlash: true,
  images: { unoptimized: true },
};
