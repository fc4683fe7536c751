"""Release stage: a built release staged, versioned, described (data package, dictionary, catalogs,
changelog, Pabulib files) and swapped in atomically (`publish.publish`). Its modules are imported
one by one: the portal reads `versions` without pulling in the build."""
