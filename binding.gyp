{
  "targets": [
    {
      "target_name": "count_filter",
      "sources": ["native/count-filter.c", "native/kernels-scalar.c", "native/kernels-avx2.c", "native/kernels-avx512.c"],
      "cflags": ["-O3", "-std=c11", "-Wall", "-Wextra"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-std=c11"] }
    }
  ]
}
