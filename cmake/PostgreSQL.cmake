# Finds PostgreSQL through pg_config (PG_CONFIG may name another one), the way PGXS does.
find_program(PG_CONFIG NAMES pg_config REQUIRED)

function(_tg_pg_config out flag)
  execute_process(COMMAND ${PG_CONFIG} ${flag} OUTPUT_VARIABLE v
                  OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${PG_CONFIG} ${flag} failed")
  endif()
  set(${out} "${v}" PARENT_SCOPE)
endfunction()

_tg_pg_config(PG_VERSION_STRING --version)
_tg_pg_config(PG_INCLUDEDIR_SERVER --includedir-server)
_tg_pg_config(PG_PKGLIBDIR --pkglibdir)
_tg_pg_config(PG_SHAREDIR --sharedir)
_tg_pg_config(PG_BINDIR --bindir)
_tg_pg_config(PG_PGXS --pgxs)
get_filename_component(PG_PGXS_DIR "${PG_PGXS}" DIRECTORY)        # .../pgxs/src/makefiles
get_filename_component(PG_PGXS_DIR "${PG_PGXS_DIR}/../.." ABSOLUTE) # .../pgxs
set(PG_REGRESS "${PG_PGXS_DIR}/src/test/regress/pg_regress")
string(REGEX MATCH "[0-9]+" PG_MAJOR "${PG_VERSION_STRING}")
# Only 15: extension/pg/jsonb_build.cpp writes numeric's private short format and jsonb's
# on-disk layout itself, and the hooks and SPI calls follow 15's signatures. Another major may
# compile and still write wrong bytes, so it is refused here rather than found in production.
if(NOT PG_MAJOR EQUAL 15)
  message(FATAL_ERROR "tenantgate supports PostgreSQL 15 only; ${PG_CONFIG} reports ${PG_VERSION_STRING} "
                      "(set PG_CONFIG to PostgreSQL 15's pg_config)")
endif()
if(NOT EXISTS "${PG_INCLUDEDIR_SERVER}/postgres.h")
  message(FATAL_ERROR "postgres.h not found in ${PG_INCLUDEDIR_SERVER}: install postgresql-server-dev-15")
endif()
message(STATUS "PostgreSQL ${PG_VERSION_STRING}: lib ${PG_PKGLIBDIR}, share ${PG_SHAREDIR}")
