# troupe_add_actor(NAME SOURCES file... PROTOS file.proto... [IMPORT_DIRS dir...])
#   Builds the actor NAME (C or C++): runs troupe-gen on its .proto (each
#   with its .options beside it) with the nanopb_generator of the version
#   libtroupe holds, refuses msgids already taken on the search path
#   (IMPORT_DIRS, $TROUPE_PROTO_PATH, the SDK's proto folder), writes
#   NAME.desc and NAME.msgids beside the executable (troupectl -I that
#   folder), links Troupe::troupe, and sets the rpath an installed actor
#   needs to find libtroupe.so.
# troupe_install_actor(NAME)
#   Installs NAME into libexec/troupe and its types into share/troupe/proto
#   (under CMAKE_INSTALL_PREFIX): where troupe and troupectl look.
find_program(TROUPE_NANOPB_GENERATOR NAMES nanopb_generator.py nanopb_generator)
find_program(TROUPE_PROTOC NAMES protoc)
find_package(Python3 REQUIRED COMPONENTS Interpreter)
get_filename_component(TROUPE_GEN "${TROUPE_PROTO_DIR}/../troupe-gen" ABSOLUTE)

function(_troupe_check_generator)
	get_property(done GLOBAL PROPERTY _TROUPE_GENERATOR_OK)
	if(done)
		return()
	endif()
	if(NOT TROUPE_NANOPB_GENERATOR)
		message(FATAL_ERROR "Troupe: no nanopb_generator.py: install nanopb ${TROUPE_NANOPB_VERSION} "
			"(Debian: apt-get install nanopb), or set TROUPE_NANOPB_GENERATOR")
	endif()
	execute_process(COMMAND "${TROUPE_NANOPB_GENERATOR}" --version
		OUTPUT_VARIABLE v OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
	if(NOT v STREQUAL "nanopb-${TROUPE_NANOPB_VERSION}")
		message(FATAL_ERROR "Troupe: ${TROUPE_NANOPB_GENERATOR} is '${v}', but libtroupe holds "
			"nanopb ${TROUPE_NANOPB_VERSION}: generated code must come from the same version "
			"(install nanopb ${TROUPE_NANOPB_VERSION}, or set TROUPE_NANOPB_GENERATOR)")
	endif()
	set_property(GLOBAL PROPERTY _TROUPE_GENERATOR_OK TRUE)
endfunction()

function(troupe_add_actor name)
	cmake_parse_arguments(PARSE_ARGV 1 TA "" "" "SOURCES;PROTOS;IMPORT_DIRS")
	if(NOT TA_SOURCES)
		message(FATAL_ERROR "troupe_add_actor(${name}): no SOURCES")
	endif()
	_troupe_check_generator()
	set(gendir "${CMAKE_CURRENT_BINARY_DIR}/troupe-gen/${name}")
	set(typedir "${CMAKE_CURRENT_BINARY_DIR}")
	set(protos "")
	set(deps "")
	set(pbc "")
	foreach(p IN LISTS TA_PROTOS)
		get_filename_component(abs "${p}" ABSOLUTE)
		get_filename_component(we "${p}" NAME_WE)
		get_filename_component(dir "${abs}" DIRECTORY)
		list(APPEND protos "${abs}")
		list(APPEND deps "${abs}")
		if(EXISTS "${dir}/${we}.options")
			list(APPEND deps "${dir}/${we}.options")
		endif()
		list(APPEND pbc "${gendir}/${we}.pb.c")
	endforeach()
	set(inc "")
	foreach(d IN LISTS TA_IMPORT_DIRS)
		get_filename_component(abs "${d}" ABSOLUTE)
		list(APPEND inc -I "${abs}")
	endforeach()
	if(protos)
		string(REPLACE ".pb.c" ".pb.h" pbh "${pbc}")
		add_custom_command(
			OUTPUT ${pbc} ${pbh} "${typedir}/${name}.desc" "${typedir}/${name}.msgids"
			COMMAND "${CMAKE_COMMAND}" -E env "NANOPB_GEN=${TROUPE_NANOPB_GENERATOR}"
				"PROTOC=${TROUPE_PROTOC}"
				"${Python3_EXECUTABLE}" "${TROUPE_GEN}" --nanopb-version "${TROUPE_NANOPB_VERSION}"
				-o "${gendir}" --desc-dir "${typedir}" -n "${name}" ${inc} -I "${TROUPE_PROTO_DIR}"
				${protos}
			DEPENDS ${deps} "${TROUPE_GEN}"
			COMMENT "Troupe types of ${name}"
			VERBATIM)
	endif()
	add_executable(${name} ${TA_SOURCES} ${pbc})
	target_include_directories(${name} PRIVATE "${gendir}")
	target_link_libraries(${name} PRIVATE Troupe::troupe)
	set_target_properties(${name} PROPERTIES
		INSTALL_RPATH "${TROUPE_RUNTIME_LIBDIR}"
		TROUPE_TYPES "${typedir}/${name}.desc;${typedir}/${name}.msgids")
endfunction()
define_property(TARGET PROPERTY TROUPE_TYPES
	BRIEF_DOCS "NAME.desc and NAME.msgids of a Troupe actor"
	FULL_DOCS "Written by troupe_add_actor beside the executable.")

function(troupe_install_actor name)
	get_target_property(types ${name} TROUPE_TYPES)
	list(GET types 1 msgids)
	install(TARGETS ${name} RUNTIME DESTINATION libexec/troupe)
	install(FILES "${msgids}" DESTINATION libexec/troupe)
	install(FILES ${types} DESTINATION share/troupe/proto)
endfunction()
