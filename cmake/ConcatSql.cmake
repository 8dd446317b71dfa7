# cmake -DOUT=file -DPARTS="a.sql;b.sql" -P ConcatSql.cmake
file(WRITE ${OUT} "-- tenantgate 1.0 install script, assembled from sql/1.0/*.sql\n")
foreach(part IN LISTS PARTS)
  get_filename_component(name ${part} NAME)
  file(READ ${part} text)
  file(APPEND ${OUT} "\n-- ==== ${name} ====\n${text}")
endforeach()
