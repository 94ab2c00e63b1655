// Relative asset URLs: the collector serves this build under /apps/vite/dist/.
export default { base: './' };
