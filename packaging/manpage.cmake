# tenantgate-server.1.gz from `tenantgate-server --help` (the one table of options in
# server/config.cpp), so the manual page never disagrees with the binary it documents.
#   cmake -DEXE=<tenantgate-server> -DOUT=<file.1> -DVERSION=<v> -P manpage.cmake   → OUT.gz
cmake_minimum_required(VERSION 3.18)
execute_process(COMMAND ${EXE} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} --help failed")
endif()

function(roff_escape out text)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REPLACE "-" "\\-" text "${text}")
  string(REGEX REPLACE "^([.'])" "\\\\&\\1" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

string(REPLACE ";" "\\;" help "${help}")
string(REPLACE "\n" ";" lines "${help}")
set(description "")
set(options "")
set(notes "")
set(part description)
foreach(line IN LISTS lines)
  if(line MATCHES "^Usage:")
    continue()
  elseif(line MATCHES "^  (--[a-z-]+)( V)? +(.*)$")
    set(part options)
    set(flag "${CMAKE_MATCH_1}")
    set(arg "${CMAKE_MATCH_2}")
    set(text "${CMAKE_MATCH_3}")
    set(env "")
    if(text MATCHES "^(.*[^ ]) +\\[([A-Z_]+)\\]$")
      set(text "${CMAKE_MATCH_1}")
      set(env "${CMAKE_MATCH_2}")
    endif()
    roff_escape(text "${text}")
    roff_escape(flag "${flag}")
    if(env)
      string(APPEND text "\n.br\nEnvironment: \\fB${env}\\fR")
    endif()
    if(arg)
      string(APPEND options ".TP\n.BI ${flag} \" V\"\n${text}\n")
    else()
      string(APPEND options ".TP\n.B ${flag}\n${text}\n")
    endif()
  elseif(line STREQUAL "")
    if(part STREQUAL "options")
      set(part notes)
    endif()
  else()
    roff_escape(text "${line}")
    if(part STREQUAL "description")
      string(APPEND description "${text}\n")
    elseif(part STREQUAL "notes")
      string(APPEND notes "${text}\n")
    endif()
  endif()
endforeach()
if(options STREQUAL "")
  message(FATAL_ERROR "no option found in the output of ${EXE} --help")
endif()

file(WRITE ${OUT} ".TH TENANTGATE\\-SERVER 1 \"\" \"tenantgate ${VERSION}\" \"tenantgate\"
.SH NAME
tenantgate\\-server \\- HTTP server of tenantgate (JWT logins, tenant isolation in PostgreSQL)
.SH SYNOPSIS
.B tenantgate\\-server
[\\fIOPTIONS\\fR]
.SH DESCRIPTION
${description}.SH OPTIONS
${options}.SH NOTES
${notes}.SH FILES
.TP
.I /etc/tenantgate/server.env
the environment of tenantgate\\-server.service (systemd EnvironmentFile): one variable per option
.TP
.I /lib/systemd/system/tenantgate\\-server.service
the unit that runs the server as the user tenantgate
.SH SEE ALSO
.I /usr/share/doc/tenantgate\\-server/README.Debian
")
execute_process(COMMAND gzip -9nf ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip ${OUT} failed")
endif()
