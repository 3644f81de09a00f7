{
  "targets": [
    {
      "target_name": "count_filter",
      "sources": ["native/count-filter.c"],
      "cflags": ["-O3", "-std=c11", "-Wall", "-Wextra"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-std=c11"] }
    }
  ]
}
