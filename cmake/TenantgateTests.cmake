# Private-cluster test fixtures and the helper every database-backed suite uses.
#
# Two CTest fixtures, each a fresh PostgreSQL 15 cluster made by scripts/cluster.sh:
#   cluster            tenantgate in shared_preload_libraries   (${TG_CLUSTER_DIR})
#   cluster_nopreload  without shared_preload_libraries         (${TG_CLUSTER_NOPRELOAD_DIR})
# `cluster_start[_nopreload]` starts one (and fails clearly when tenantgate is not
# installed: scripts/test.sh runs `cmake --install` before ctest), then runs CREATE EXTENSION
# tenantgate once in a database tg_fixture — so the cluster-wide roles the extension makes
# exist before tests create the extension in many databases at once; `cluster_stop[...]`
# stops it and FAILS when the server log shows a crashed backend or a PANIC.
# Each cluster writes an env file (KEY=value lines: PGHOST=127.0.0.1, PGPORT, PGUSER=postgres,
# PGDATABASE, PGDATA, DATABASE_URL, TG_LOG, TG_PG_BINDIR ...); read it in a shell with
# `set -a; . "$TG_CLUSTER_ENV"; set +a`.
#
#   tg_add_cluster_test(NAME <name> COMMAND <cmd> [args...]
#                       [NOPRELOAD] [TIMEOUT <s>] [WORKING_DIRECTORY <dir>]
#                       [ENVIRONMENT VAR=value ...] [LABELS l ...] [RESOURCE_LOCK r ...])
#
# adds a CTest test that requires the `cluster` fixture (or `cluster_nopreload` with
# NOPRELOAD) and gets TG_CLUSTER_ENV=<path of the env file> in its environment; the
# cluster is running while it runs. Create your own database in it (the name of your
# suite, e.g. tg_http) rather than using `postgres`: suites run in parallel.
# Example (tests/http/CMakeLists.txt):
#   tg_add_cluster_test(NAME http_login COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/run.sh
#                       $<TARGET_FILE:tenantgate-server> TIMEOUT 300)

set(TG_CLUSTER_SCRIPT ${PROJECT_SOURCE_DIR}/scripts/cluster.sh)
set(TG_CLUSTER_DIR ${CMAKE_BINARY_DIR}/cluster)
set(TG_CLUSTER_ENV ${TG_CLUSTER_DIR}/env)
set(TG_CLUSTER_NOPRELOAD_DIR ${CMAKE_BINARY_DIR}/cluster_nopreload)
set(TG_CLUSTER_NOPRELOAD_ENV ${TG_CLUSTER_NOPRELOAD_DIR}/env)

# Adds the start/stop pair of one fixture (call once per fixture).
function(tg_add_cluster_fixture fixture dir)
  set(start_args start ${dir} --create-extension)
  if(fixture STREQUAL "cluster_nopreload")
    list(APPEND start_args --no-preload)
  endif()
  set(suffix "")
  if(fixture STREQUAL "cluster_nopreload")
    set(suffix "_nopreload")
  endif()
  add_test(NAME cluster_start${suffix} COMMAND bash ${TG_CLUSTER_SCRIPT} ${start_args})
  add_test(NAME cluster_stop${suffix} COMMAND bash ${TG_CLUSTER_SCRIPT} stop ${dir} --check-log)
  set_tests_properties(cluster_start${suffix} PROPERTIES
    FIXTURES_SETUP ${fixture} TIMEOUT 180 ENVIRONMENT "PG_CONFIG=${PG_CONFIG}")
  set_tests_properties(cluster_stop${suffix} PROPERTIES
    FIXTURES_CLEANUP ${fixture} DEPENDS cluster_start${suffix} TIMEOUT 180
    ENVIRONMENT "PG_CONFIG=${PG_CONFIG}")
endfunction()

function(tg_add_cluster_test)
  cmake_parse_arguments(T "NOPRELOAD" "NAME;TIMEOUT;WORKING_DIRECTORY"
                        "COMMAND;ENVIRONMENT;LABELS;RESOURCE_LOCK" ${ARGN})
  if(NOT T_NAME OR NOT T_COMMAND)
    message(FATAL_ERROR "tg_add_cluster_test: NAME and COMMAND are required")
  endif()
  if(T_NOPRELOAD)
    set(fixture cluster_nopreload)
    set(env_file ${TG_CLUSTER_NOPRELOAD_ENV})
  else()
    set(fixture cluster)
    set(env_file ${TG_CLUSTER_ENV})
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  if(T_WORKING_DIRECTORY)
    add_test(NAME ${T_NAME} COMMAND ${T_COMMAND} WORKING_DIRECTORY ${T_WORKING_DIRECTORY})
  else()
    add_test(NAME ${T_NAME} COMMAND ${T_COMMAND})
  endif()
  set_tests_properties(${T_NAME} PROPERTIES
    FIXTURES_REQUIRED ${fixture}
    TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "TG_CLUSTER_ENV=${env_file};PG_CONFIG=${PG_CONFIG};${T_ENVIRONMENT}")
  if(T_LABELS)
    set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}")
  endif()
  if(T_RESOURCE_LOCK)
    set_tests_properties(${T_NAME} PROPERTIES RESOURCE_LOCK "${T_RESOURCE_LOCK}")
  endif()
endfunction()

# One test per <inputdir>/sql/*.sql, named <prefix><file name>, each in its own database
# (tg_regress_<file name>); pg_regress writes results and regression.diffs to <outbase>/<name>.
function(tg_add_regress_tests inputdir prefix outbase)
  cmake_parse_arguments(R "NOPRELOAD" "" "" ${ARGN})
  file(GLOB sqls CONFIGURE_DEPENDS ${inputdir}/sql/*.sql)
  list(SORT sqls)
  set(extra "")
  if(R_NOPRELOAD)
    set(extra NOPRELOAD)
    set(env_file ${TG_CLUSTER_NOPRELOAD_ENV})
  else()
    set(env_file ${TG_CLUSTER_ENV})
  endif()
  foreach(sql IN LISTS sqls)
    get_filename_component(name ${sql} NAME_WE)
    tg_add_cluster_test(NAME ${prefix}${name} ${extra} LABELS regress TIMEOUT 300
      COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/run-regress.sh
              --env ${env_file} --pg-regress ${PG_REGRESS}
              --inputdir ${inputdir}
              --outputdir ${outbase}/${name}
              ${name})
  endforeach()
endfunction()
