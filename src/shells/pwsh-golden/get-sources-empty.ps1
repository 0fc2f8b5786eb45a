#!/usr/bin/env pwsh
& {

$ErrorActionPreference = "Stop"
${GITLAB_ENV}="/builds/t0k/0/g/p.tmp/gitlab_runner_env"
${env:GITLAB_ENV}=${GITLAB_ENV}
New-Item -ItemType directory -Force -Path "/builds/t0k/0/g/p.tmp" | out-null
if(!(Test-Path "/builds/t0k/0/g/p.tmp/gitlab_runner_env")) {
  New-Item -ItemType File -Path "/builds/t0k/0/g/p.tmp/gitlab_runner_env" | out-null
}

Try { Get-Content "/builds/t0k/0/g/p.tmp/gitlab_runner_env" | ForEach { $k, $v = $_.split('=', 2); Set-Content env:\$k $v} } Catch { echo "[0;33mUnable to read env file: /builds/t0k/0/g/p.tmp/gitlab_runner_env[0;m" }

${GIT_TERMINAL_PROMPT}="0"
${env:GIT_TERMINAL_PROMPT}=${GIT_TERMINAL_PROMPT}
${GCM_INTERACTIVE}="Never"
${env:GCM_INTERACTIVE}=${GCM_INTERACTIVE}
${GLR_EXT_GIT_CONFIG_PATH}="/builds/t0k/0/g/p.tmp/.gitlab-runner.ext.conf"
${env:GLR_EXT_GIT_CONFIG_PATH}=${GLR_EXT_GIT_CONFIG_PATH}
${GIT_LFS_SKIP_SMUDGE}="1"
${env:GIT_LFS_SKIP_SMUDGE}=${GIT_LFS_SKIP_SMUDGE}
echo "[32;1mSkipping Git repository setup and creating an empty build directory[0;m"
if(Test-Path "/builds/t0k/0/g/p" -PathType Container) {
  Remove-Item -Force -Recurse "/builds/t0k/0/g/p"
}

New-Item -ItemType directory -Force -Path "/builds/t0k/0/g/p" | out-null
echo "[32;1mSkipping Git checkout[0;m"
echo "[32;1mSkipping Git submodules setup[0;m"
Try { "url=https://gitlab.example.com`nusername=gitlab-ci-token`n" | & "git" 'credential' 'reject' 2>$null | out-null } Catch { }
$global:LASTEXITCODE = 0

}

