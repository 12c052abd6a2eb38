// examples/galore_adamw.opt does not compile to WGSL:
// examples/galore_adamw.opt:47:16: error[E0330]: optimizer 'galore_adamw' has matrix stages (matrix products, transposes, matrix states), which compile()'s kernel module does not hold yet
//    |
// 47 |     let grad = orient(g);
//    |                ^^^^^^^^^
//    = hint: `optc run FILE --case CASE.json` runs it on the GPU through its matrix stages (`compileMatrix` in the API; docs/matrix.md)
