/** @externs */
// Names Closure must not treat as undeclared. embind.js refers to Emval (defined in emval.js) in
// its smart-pointer sharing code; the binding has no smart pointers, so that code never runs and
// emval.js's definition is not linked in.
var Emval;
