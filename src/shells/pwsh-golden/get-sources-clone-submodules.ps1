#!/usr/bin/env pwsh
& {

$ErrorActionPreference = "Stop"
${CI_JOB_ID}="42"
${env:CI_JOB_ID}=${CI_JOB_ID}
${QUOTED}="a `"b`" `$c ``d`' `#e"
${env:QUOTED}=${QUOTED}
New-Item -ItemType directory -Force -Path "builds/t0k/0/g/p.tmp" | out-null
${SECRET_FILE}=$ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath("builds/t0k/0/g/p.tmp/SECRET_FILE")
${env:SECRET_FILE}=${SECRET_FILE}
[System.IO.File]::WriteAllText(${SECRET_FILE}, "line1`nline2")
${GITLAB_ENV}=$ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath("builds/t0k/0/g/p.tmp/gitlab_runner_env")
${env:GITLAB_ENV}=${GITLAB_ENV}
New-Item -ItemType directory -Force -Path "builds/t0k/0/g/p.tmp" | out-null
if(!(Test-Path "builds/t0k/0/g/p.tmp/gitlab_runner_env")) {
  New-Item -ItemType File -Path "builds/t0k/0/g/p.tmp/gitlab_runner_env" | out-null
}

Try { Get-Content "builds/t0k/0/g/p.tmp/gitlab_runner_env" | ForEach { $k, $v = $_.split('=', 2); Set-Content env:\$k $v} } Catch { echo "[0;33mUnable to read env file: builds/t0k/0/g/p.tmp/gitlab_runner_env[0;m" }

${GIT_TERMINAL_PROMPT}="0"
${env:GIT_TERMINAL_PROMPT}=${GIT_TERMINAL_PROMPT}
${GCM_INTERACTIVE}="Never"
${env:GCM_INTERACTIVE}=${GCM_INTERACTIVE}
${GLR_EXT_GIT_CONFIG_PATH}=$ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath("builds/t0k/0/g/p.tmp/.gitlab-runner.ext.conf")
${env:GLR_EXT_GIT_CONFIG_PATH}=${GLR_EXT_GIT_CONFIG_PATH}
Write-Output "pre $env:CI_JOB_ID"
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

${GIT_LFS_SKIP_SMUDGE}="1"
${env:GIT_LFS_SKIP_SMUDGE}=${GIT_LFS_SKIP_SMUDGE}
echo "[32;1mFetching changes...[0;m"
if(Test-Path "builds/t0k/0/g/p/.git/index.lock" -PathType Leaf) {
  Remove-Item -Force "builds/t0k/0/g/p/.git/index.lock"
}

if(Test-Path "builds/t0k/0/g/p/.git/shallow.lock" -PathType Leaf) {
  Remove-Item -Force "builds/t0k/0/g/p/.git/shallow.lock"
}

if(Test-Path "builds/t0k/0/g/p/.git/HEAD.lock" -PathType Leaf) {
  Remove-Item -Force "builds/t0k/0/g/p/.git/HEAD.lock"
}

if(Test-Path "builds/t0k/0/g/p/.git/hooks/post-checkout" -PathType Leaf) {
  Remove-Item -Force "builds/t0k/0/g/p/.git/hooks/post-checkout"
}

if(Test-Path "builds/t0k/0/g/p/.git/config.lock" -PathType Leaf) {
  Remove-Item -Force "builds/t0k/0/g/p/.git/config.lock"
}

if(Test-Path "builds/t0k/0/g/p/.git/refs" -PathType Container) {
  Get-ChildItem -Path "builds/t0k/0/g/p/.git/refs" -Filter '*.lock' -File -Recurse -Force | Remove-Item -Force
}

if(Test-Path "builds/t0k/0/g/p/.git/modules" -PathType Container) {
  Get-ChildItem -Path "builds/t0k/0/g/p/.git/modules" -File -Recurse -Force | Where-Object { $_.Name -in @('index.lock', 'shallow.lock', 'HEAD.lock', 'config.lock') -or ($_.Name -eq 'post-checkout' -and $_.Directory.Name -eq 'hooks') } | Remove-Item -Force
}

if(Test-Path "builds/t0k/0/g/p" -PathType Container) {
  Remove-Item -Force -Recurse "builds/t0k/0/g/p"
}

& "git" 'config' '--global' '--add' 'safe.directory' 'builds/t0k/0/g/p'
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

New-Item -ItemType directory -Force -Path "builds/t0k/0/g/p.tmp/git-template" | out-null
& "git" 'config' '-f' 'builds/t0k/0/g/p.tmp/git-template/config' 'init.defaultBranch' 'none'
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

& "git" 'config' '-f' 'builds/t0k/0/g/p.tmp/git-template/config' 'fetch.recurseSubmodules' 'false'
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

& "git" 'config' '-f' 'builds/t0k/0/g/p.tmp/git-template/config' 'credential.interactive' 'never'
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

& "git" 'config' '-f' 'builds/t0k/0/g/p.tmp/git-template/config' 'gc.autoDetach' 'false'
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

& "git" 'config' '-f' 'builds/t0k/0/g/p.tmp/git-template/config' '--replace-all' 'include.path' $GLR_EXT_GIT_CONFIG_PATH '\.gitlab-runner\.ext\.conf$'
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

New-Item -ItemType directory -Force -Path "builds/t0k/0/g/p.tmp" | out-null
[System.IO.File]::WriteAllText($GLR_EXT_GIT_CONFIG_PATH, "[url `"https://gitlab-ci-token:glcbt-64_GoldenToken@gitlab.example.com/g/p.git`"]`n`tinsteadOf = `"https://gitlab.example.com/g/p.git`"`n[url `"https://gitlab-ci-token:glcbt-64_GoldenToken@gitlab.example.com/`"]`n`tinsteadOf = `"https://gitlab.example.com/`"`n[transfer]`n`tbundleURI = true`n")

& "git" 'init' 'builds/t0k/0/g/p' '--template' 'builds/t0k/0/g/p.tmp/git-template' '--object-format' 'sha256'
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

cd "builds/t0k/0/g/p"
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

$glr_ok = $false
Try {
  & "git" 'remote' 'add' 'origin' 'https://gitlab.example.com/g/p.git' 2>$null | out-null
  $glr_ok = ($LASTEXITCODE -eq 0)
} Catch {
  $glr_ok = $false
}
if($glr_ok) {
  echo "[32;1mCreated fresh repository.[0;m"
} else {
  & "git" 'remote' 'set-url' 'origin' 'https://gitlab.example.com/g/p.git'
  if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

  & "git" 'config' '--file' '.git/config' '--replace-all' 'include.path' $GLR_EXT_GIT_CONFIG_PATH '\.gitlab-runner\.ext\.conf$'
  if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

}

if(Test-Path ".git/shallow" -PathType Leaf) {
  & "git" '-c' 'http.userAgent=glrunner 0.0.0 linux/amd64' 'fetch' 'origin' '--no-recurse-submodules' '+refs/heads/main:refs/remotes/origin/main' '--prune' '--quiet' '--unshallow'
  if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

} else {
  & "git" '-c' 'http.userAgent=glrunner 0.0.0 linux/amd64' 'fetch' 'origin' '--no-recurse-submodules' '+refs/heads/main:refs/remotes/origin/main' '--prune' '--quiet'
  if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

}

echo "[32;1mChecking out 01234567 as detached HEAD (ref is main)...[0;m"
& "git" '-c' 'submodule.recurse=false' 'checkout' '-f' '-q' '0123456789abcdef0123456789abcdef01234567'
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

$glr_ok = $false
Try {
  & "git" 'lfs' 'version' 2>$null | out-null
  $glr_ok = ($LASTEXITCODE -eq 0)
} Catch {
  $glr_ok = $false
}
if($glr_ok) {
  & "git" 'lfs' 'pull'
  if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

  echo ""
}

echo "[32;1mUpdating/initializing submodules recursively with git depth set to 1...[0;m"
& "git" 'submodule' 'init'
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

& "git" 'submodule' 'sync' '--recursive' '--' 'libs/a'
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

& "git" 'submodule' 'foreach' '--recursive' 'git' 'clean' '-ffdx'
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

& "git" 'submodule' 'foreach' '--recursive' 'git' 'reset' '--hard'
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

$glr_ok = $false
Try {
  & "git" '-c' "include.path=$GLR_EXT_GIT_CONFIG_PATH" 'submodule' 'update' '--init' '--recursive' '--depth' '1' '--' 'libs/a'
  $glr_ok = ($LASTEXITCODE -eq 0)
} Catch {
  $glr_ok = $false
}
if($glr_ok) {
  echo "[32;1mUpdated submodules[0;m"
  & "git" 'submodule' 'sync' '--recursive' '--' 'libs/a'
  if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

} else {
  echo "[0;33mUpdating submodules failed. Retrying...[0;m"
  & "git" 'submodule' 'sync' '--recursive' '--' 'libs/a'
  if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

  & "git" '-c' "include.path=$GLR_EXT_GIT_CONFIG_PATH" 'submodule' 'update' '--init' '--recursive' '--depth' '1' '--' 'libs/a'
  if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

  & "git" 'submodule' 'foreach' '--recursive' 'git' 'reset' '--hard'
  if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

}

& "git" 'submodule' 'foreach' '--recursive' 'git' 'clean' '-ffdx'
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

echo "[32;1mConfiguring submodules to use parent git credentials...[0;m"
& "git" 'submodule' 'foreach' '--recursive' 'git' 'config' '--replace-all' 'include.path' $GLR_EXT_GIT_CONFIG_PATH
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

$glr_ok = $false
Try {
  & "git" 'lfs' 'version' 2>$null | out-null
  $glr_ok = ($LASTEXITCODE -eq 0)
} Catch {
  $glr_ok = $false
}
if($glr_ok) {
  echo "[32;1mPulling LFS files...[0;m"
  & "git" '-c' "include.path=$GLR_EXT_GIT_CONFIG_PATH" 'submodule' 'foreach' '--recursive' 'git' 'lfs' 'pull'
  if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

}

Write-Output post
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

Try { "url=https://gitlab.example.com`nusername=gitlab-ci-token`n" | & "git" 'credential' 'reject' 2>$null | out-null } Catch { }
$global:LASTEXITCODE = 0

}

