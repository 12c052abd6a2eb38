// examples/shampoo.opt does not compile to WGSL:
// examples/shampoo.opt:39:17: error[E0330]: optimizer 'shampoo' has matrix stages (matrix products, transposes, matrix states), which compile()'s kernel module does not hold yet
//    |
// 39 |     L = L + g @ transpose(g);
//    |                 ^^^^^^^^^^^^
//    = hint: `optc run FILE --case CASE.json` runs it on the GPU through its matrix stages (`compileMatrix` in the API; docs/matrix.md)
