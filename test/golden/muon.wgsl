// examples/muon.opt does not compile to WGSL:
// examples/muon.opt:28:14: error[E0330]: optimizer 'muon' has matrix stages (matrix products, transposes, matrix states), which compile()'s kernel module does not hold yet
//    |
// 28 |     let x0 = orient(u);
//    |              ^^^^^^^^^
//    = hint: `optc run FILE --case CASE.json` runs it on the GPU through its matrix stages (`compileMatrix` in the API; docs/matrix.md)
