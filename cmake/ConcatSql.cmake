# cmake -DOUT=file -DPARTS="a.sql;b.sql" -DHEADER="first line" -P ConcatSql.cmake
# Writes HEADER as a comment line, then every part in the given order, each after a
# "-- ==== <name> ====" line (the install script and each upgrade script: extension/CMakeLists.txt).
if(NOT DEFINED HEADER)
  set(HEADER "tenantgate install script")
endif()
file(WRITE ${OUT} "-- ${HEADER}\n")
foreach(part IN LISTS PARTS)
  get_filename_component(name ${part} NAME)
  file(READ ${part} text)
  file(APPEND ${OUT} "\n-- ==== ${name} ====\n${text}")
endforeach()
